"""`POST /api/v1/match`: services that are open now and fit a needs profile.

Every field is optional. Unknown fields, out-of-range numbers and unknown postcodes give 422
naming the field. Anonymous use is allowed (rate-limited like every anonymous API call).
The needs profile describes a person: it is never stored or logged.
"""

from datetime import UTC
from typing import Annotated, Any, Literal

import orjson
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from pydantic import ConfigDict, StrictBool, StrictFloat, StrictInt, StringConstraints

from lantern.accounts.api_auth import api_user, optional_auth
from lantern.core import postcodes
from lantern.core.api_errors import FieldError
from lantern.core.bounds import Limit
from lantern.matching import engine
from lantern.matching.services import DEFAULT_LIMIT, MAX_LIMIT, MatchItem, find_help

router = Router(tags=["matching"])

HelpType = Literal[
    "emergency-shelter",
    "residential-program",
    "legal",
    "immigration-legal",
    "medical",
    "mental-health",
    "case-management",
    "substance-use",
    "employment-education",
    "basic-needs",
    "hotline",
]
Gender = Literal["woman", "man", "transgender_woman", "transgender_man", "nonbinary"]
TraffickingType = Literal["sex", "labor"]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Preference = Annotated[str, StringConstraints(max_length=40)]
Km = Field(None, ge=0, le=20_000, allow_inf_nan=False)


class Point(Schema):
    model_config = ConfigDict(extra="forbid")

    latitude: StrictFloat = Field(..., ge=-90, le=90, allow_inf_nan=False)
    longitude: StrictFloat = Field(..., ge=-180, le=180, allow_inf_nan=False)


class NeedsIn(Schema):
    """A needs profile. Every field is optional; leave out what the person did not say."""

    model_config = ConfigDict(extra="forbid")

    location: Point | None = None
    postcode: str | None = Field(None, max_length=10, description="Used when no location")
    max_distance_km: StrictFloat | None = Km
    away_from_km: StrictFloat | None = Km
    help_types: list[HelpType] | None = Field(None, max_length=11)
    age: StrictInt | None = Field(None, ge=0, le=130)
    gender: Gender | None = None
    children: StrictInt | None = Field(None, ge=0, le=20)
    pets: StrictBool | None = None
    trafficking_types: list[TraffickingType] | None = Field(None, max_length=2)
    needs_wheelchair_access: StrictBool | None = None
    active_substance_use: StrictBool | None = None
    has_id_documents: StrictBool | None = None
    languages: list[LanguageCode] | None = Field(
        None, max_length=10, description="ISO 639-1 codes, most wanted first"
    )
    only_open: StrictBool = False
    preferences: list[Preference] | None = Field(
        None,
        max_length=20,
        description="Rank but never exclude: " + ", ".join(engine.PREFERENCE_TAGS),
    )
    limit: StrictInt = Limit(DEFAULT_LIMIT, MAX_LIMIT)


def needs_from(data: NeedsIn) -> engine.Needs:
    latitude = longitude = None
    if data.location is not None:
        latitude, longitude = data.location.latitude, data.location.longitude
    elif data.postcode:
        place = postcodes.lookup(data.postcode)
        if place is None:
            raise FieldError("postcode", "unknown postcode")
        latitude, longitude = place.latitude, place.longitude
    return engine.Needs(
        latitude=latitude,
        longitude=longitude,
        max_distance_km=data.max_distance_km,
        away_from_km=data.away_from_km,
        help_types=frozenset(data.help_types) if data.help_types is not None else None,
        age=data.age,
        gender=data.gender,
        children=data.children,
        pets=data.pets,
        trafficking_types=(
            frozenset(data.trafficking_types) if data.trafficking_types is not None else None
        ),
        needs_wheelchair_access=data.needs_wheelchair_access,
        active_substance_use=data.active_substance_use,
        has_id_documents=data.has_id_documents,
        languages=tuple(data.languages) if data.languages is not None else None,
        only_open=data.only_open,
        preferences=frozenset(data.preferences or ()),
    )


def result_json(item: MatchItem) -> dict[str, Any]:
    avail = item.availability
    return {
        "service": item.service,
        "score": round(item.score, 6),
        "reasons": item.reason_texts,
        "distance_km": None if item.distance_km is None else round(item.distance_km, 2),
        "availability": {
            "status": avail.status,
            "available": avail.available,
            "updated": (
                avail.updated.astimezone(UTC).isoformat(timespec="milliseconds")
                if avail.updated
                else None
            ),
            "freshness": avail.freshness,
        },
        "eligibility": item.eligibility,
        "farther_away": item.farther_away,
    }


class MatchOut(Schema):
    total: int
    results: list[dict[str, Any]]


@router.post(
    "/match",
    # 400: a body that is not JSON; 401: a bad token.
    response={200: MatchOut, 400: dict[str, Any], 401: dict[str, Any], 422: dict[str, Any]},
    auth=optional_auth,
    summary="Services open now that fit a needs profile, best first, each with its reasons",
)
def match(request: HttpRequest, payload: NeedsIn) -> Any:
    page = find_help(needs_from(payload), user=api_user(request), limit=payload.limit)
    body = {"total": page.total, "results": [result_json(item) for item in page.items]}
    return HttpResponse(orjson.dumps(body), content_type="application/json")
