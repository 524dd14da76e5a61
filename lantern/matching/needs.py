"""The one stored form of a needs profile, next to the engine's `Needs`.

Referrals and help requests keep the needs a person stated as a JSON document (encrypted
at rest) in one vocabulary: the API's `NeedsIn` shape, whose keys are the engine's
`Needs` field names. Every form that describes a person (the survivor's find-help form,
the advocate search, the referral form) turns its answers into `Needs` and stores them
with `needs_to_stored`; every reader gets `Needs` back with `needs_from_stored` and
shows them in words with `needs_lines` (one place, with the advocate search's labels).

Only what was stated is stored: a key that is missing means "not said".
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from lantern.core import postcodes
from lantern.matching import engine
from lantern.matching.advocate import PERSON_FIELDS, AdvocateSearchForm
from lantern.matching.labels import language_name

# In the order they are shown.
LIST_KEYS = ("help_types", "trafficking_types", "languages", "preferences")
BOOL_KEYS = ("pets", "needs_wheelchair_access", "active_substance_use", "has_id_documents")
SHOWN_KEYS = ("postcode", "max_distance_km", "away_from_km", *PERSON_FIELDS, "only_open")


def needs_to_stored(needs: engine.Needs, *, postcode: str = "") -> dict[str, Any]:
    """`needs` as its stored JSON document (only what was stated). `postcode` is kept when
    the person gave one, so a reader sees what they typed rather than a point."""
    stored: dict[str, Any] = {}
    if postcode:
        stored["postcode"] = postcode
    if needs.latitude is not None and needs.longitude is not None:
        stored["location"] = {"latitude": needs.latitude, "longitude": needs.longitude}
    for key in ("max_distance_km", "away_from_km", "age", "gender", "children", *BOOL_KEYS):
        value = getattr(needs, key)
        if value is not None:
            stored[key] = value
    for key in LIST_KEYS:
        value = getattr(needs, key)
        if value:
            # Languages keep their order (most wanted first); sets are sorted.
            stored[key] = list(value) if key == "languages" else sorted(value)
    if needs.only_open:
        stored["only_open"] = True
    return stored


def needs_from_stored(stored: Mapping[str, Any]) -> engine.Needs:
    """The engine's needs from a stored document (a postcode alone gives the point)."""
    location = stored.get("location") or {}
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if (latitude is None or longitude is None) and stored.get("postcode"):
        place = postcodes.lookup(stored["postcode"])
        if place is not None:
            latitude, longitude = place.latitude, place.longitude

    def listed(key: str) -> list[Any] | None:
        value = stored.get(key)
        return list(value) if value else None

    help_types, trafficking = listed("help_types"), listed("trafficking_types")
    languages = listed("languages")
    return engine.Needs(
        latitude=latitude,
        longitude=longitude,
        max_distance_km=stored.get("max_distance_km"),
        away_from_km=stored.get("away_from_km"),
        help_types=frozenset(help_types) if help_types else None,
        age=stored.get("age"),
        gender=stored.get("gender"),
        children=stored.get("children"),
        pets=stored.get("pets"),
        trafficking_types=frozenset(trafficking) if trafficking else None,
        needs_wheelchair_access=stored.get("needs_wheelchair_access"),
        active_substance_use=stored.get("active_substance_use"),
        has_id_documents=stored.get("has_id_documents"),
        languages=tuple(languages) if languages else None,
        only_open=bool(stored.get("only_open")),
        preferences=frozenset(stored.get("preferences") or ()),
    )


def needs_lines(stored: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A stored needs profile in plain words, as (question, answer), with the advocate
    search's labels: what staff pages show of a referral or a help request."""
    fields = AdvocateSearchForm.base_fields
    lines: list[tuple[str, str]] = []
    location = stored.get("location") or {}
    if location.get("latitude") is not None and location.get("longitude") is not None:
        lines.append(
            (_("Location (about 1 km)"), f"{location['latitude']}, {location['longitude']}")
        )
    for key in SHOWN_KEYS:
        value = stored.get(key)
        if value in (None, "", [], False):
            continue
        field: Any = fields[key]
        choices = dict(getattr(field, "choices", []) or [])
        if key == "only_open":
            text = str(_("Yes"))
        elif isinstance(value, bool):
            text = str(_("Yes") if value else _("No"))
        elif key == "languages" and isinstance(value, list):
            text = ", ".join(language_name(str(v)) for v in value)
        elif isinstance(value, list):
            text = ", ".join(str(choices.get(v, v)) for v in value)
        else:
            text = str(choices.get(value, value))
        lines.append((str(field.label), text))
    return lines
