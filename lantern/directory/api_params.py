"""The query parameters of the HSDS endpoints, read the way the official HSDS 3.1 API
document (Open Referral's `openapi.json`) allows them.

A client written against that document may send any value its schema permits, so none of
them is refused with a 422:

- an empty (or blank) parameter is absent (`?modified_after=` filters nothing);
- `page` below 1 reads as 1, `per_page` outside 1..maximum as the nearest bound (the page
  envelope says which page and size were served);
- an identifier filter that is not a UUID, a `search` with a NUL character, a `proximity`
  that is not a positive number of meters or a `postcode` Lantern cannot place names
  nothing that exists: the list is empty, as for an unknown UUID;
- `format` other than `ndjson` answers the default, JSON (its `Content-Type` says so).

Still refused, naming the field: a parameter the endpoint does not have (a typo would
otherwise widen a search unnoticed), a `page` or `per_page` that is not an integer, a
`modified_after` that is not an ISO 8601 date or date-time (the document declares a
date-time), and misuse of Lantern's own `latitude`/`longitude` extension.
"""

import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, field_validator, model_validator

from lantern.core.bounds import MAX_PAGE
from lantern.directory import selectors

MAX_PER_PAGE = settings.LANTERN_API_MAX_PER_PAGE
DEFAULT_PER_PAGE = 20
# `minimal=true` rows are four short fields: HSDS asks for all of them in one call.
MINIMAL_MAX_PER_PAGE = 10_000
# Proximity is read in meters and capped at the same radius the match search allows.
MAX_PROXIMITY_M = 2_000_000
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")


def as_uuid(value: Any) -> UUID | None:
    """The value as a UUID, or None when it is not one (it then names nothing)."""
    if value is None:
        return None
    try:
        return UUID(str(value))
    except ValueError:
        return None


def blank_is_absent(data: Any) -> Any:
    """Query data without its empty or blank values: `?modified_after=` filters nothing.
    (django-ninja's `Schema` hands a before-validator its input wrapped in a `DjangoGetter`.)"""
    if isinstance(data, DjangoGetter):
        data = data._obj
    if isinstance(data, dict):
        return {
            key: value
            for key, value in data.items()
            if not (isinstance(value, str) and not value.strip())
        }
    return data


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _ids(*values: str | None) -> tuple[list[str | None], bool]:
    """Each id filter as a UUID string (None when absent), and whether one of them is
    present but not a UUID (then nothing can match)."""
    out: list[str | None] = []
    unmatchable = False
    for value in values:
        if value is None:
            out.append(None)
            continue
        parsed = as_uuid(value)
        unmatchable = unmatchable or parsed is None
        out.append(str(parsed) if parsed else None)
    return out, unmatchable


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int

    def slice(self) -> slice:
        start = (self.page - 1) * self.per_page
        return slice(start, start + self.per_page)


class PageParams(Schema):
    """Each list takes only the parameters it applies: one it does not know is a 422,
    never silently ignored (see `reject_unknown_query`)."""

    model_config = ConfigDict(extra="forbid")

    search: str | None = Field(None, description="Words in the name or description.")
    # Any integer, as HSDS declares them: the bounds clamp rather than refuse, so the
    # document states them in words, not as `minimum`/`maximum` (which would say "refused").
    page: int = Field(
        1, description=f"Page number, 1 to {MAX_PAGE}; a value outside reads as the nearest."
    )
    per_page: int | None = Field(
        None,
        description=(
            f"Items per page, default {DEFAULT_PER_PAGE}, at most {MAX_PER_PAGE}; a value "
            f"outside 1 to {MAX_PER_PAGE} reads as the nearest."
        ),
    )
    format: str | None = Field(
        None,
        description="`ndjson`: every matching item, one JSON object per line, no paging. "
        "Anything else answers JSON pages.",
        json_schema_extra={"examples": ["json", "ndjson"]},
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        return blank_is_absent(data)

    @property
    def ndjson(self) -> bool:
        return (self.format or "").strip().lower() == "ndjson"

    def paging(self, *, maximum: int = MAX_PER_PAGE, default: int = DEFAULT_PER_PAGE) -> Paging:
        per_page = default if self.per_page is None else self.per_page
        return Paging(page=_clamp(self.page, 1, MAX_PAGE), per_page=_clamp(per_page, 1, maximum))

    def search_filter(self) -> tuple[str | None, bool]:
        """The search words, and whether they can match nothing stored (a NUL character:
        PostgreSQL text cannot hold one)."""
        if self.search is None:
            return None, False
        return self.search, "\x00" in self.search


class TaxonomyParams(PageParams):
    def filters(self) -> selectors.TermFilters:
        search, unmatchable = self.search_filter()
        return selectors.TermFilters(search=search, unmatchable=unmatchable)


class TermParams(PageParams):
    taxonomy_id: str | None = Field(None, description="Terms of this taxonomy.")
    parent_id: str | None = Field(None, description="Terms whose parent is this term.")
    top_only: bool | None = Field(
        None, description="true: only top-level terms (terms without a parent)."
    )

    def filters(self) -> selectors.TermFilters:
        search, nul = self.search_filter()
        (taxonomy_id, parent_id), bad_id = _ids(self.taxonomy_id, self.parent_id)
        return selectors.TermFilters(
            search=search,
            taxonomy_id=taxonomy_id,
            parent_id=parent_id,
            top_only=bool(self.top_only),
            unmatchable=nul or bad_id,
        )


class DirectoryParams(PageParams):
    """What the services, organizations and service-at-locations lists share."""

    taxonomy_term_id: str | None = Field(
        None, description="Records with this taxonomy term (service type or attribute)."
    )
    taxonomy_id: str | None = Field(None, description="Records with any term of this taxonomy.")
    modified_after: datetime | None = Field(
        None, description="On or after this date-time; without a zone it is read as UTC."
    )

    @field_validator("modified_after", mode="before")
    @classmethod
    def _iso_only(cls, value: Any) -> Any:
        # Pydantic would also read "0.5" or "1700000000" as seconds since 1970.
        if isinstance(value, str) and not ISO_DATE.match(value.strip()):
            raise ValueError("expected an ISO 8601 date or date-time, such as 2024-05-01T09:00Z")
        return value

    @field_validator("modified_after")
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        # The database takes offsets only up to 15:59; compare in UTC. Near the ends of the
        # calendar the shift can leave it: such a bound matches everything or nothing.
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:
            return (
                datetime.max.replace(tzinfo=UTC)
                if value.year > 1
                else datetime.min.replace(tzinfo=UTC)
            )

    def filters(self) -> selectors.DirectoryFilters:
        search, nul = self.search_filter()
        (term_id, taxonomy_id), bad_id = _ids(self.taxonomy_term_id, self.taxonomy_id)
        return selectors.DirectoryFilters(
            search=search,
            taxonomy_term_id=term_id,
            taxonomy_id=taxonomy_id,
            modified_after=self.modified_after,
            unmatchable=nul or bad_id,
        )


class OrganizationParams(DirectoryParams):
    full: bool | None = Field(
        None, description="true: each organization nested in full (locations, services)."
    )
    full_service: bool | None = Field(
        None, description="true: each organization with its services in full."
    )


class OrganizationDetailParams(Schema):
    full_service: bool | None = Field(
        None,
        description="true: the organization's services in full; otherwise their one-to-one fields.",
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        return blank_is_absent(data)


class ListParams(DirectoryParams):
    organization_id: str | None = Field(None, description="Services of this organization.")

    def filters(self) -> selectors.DirectoryFilters:
        (organization_id,), bad_id = _ids(self.organization_id)
        base = super().filters()
        return replace(
            base, organization_id=organization_id, unmatchable=base.unmatchable or bad_id
        )


class ServiceParams(ListParams):
    full: bool | None = Field(
        None,
        description="false: only each service's one-to-one fields. Absent or true: fully "
        "nested (Lantern's default, with live capacities).",
    )
    minimal: bool | None = Field(
        None,
        description="true: only `id`, `name`, `status` and `last_modified` (also as "
        f"`modified_date`) of each service, up to {MINIMAL_MAX_PER_PAGE} a page "
        "(the default), to fetch them all in one call.",
    )


class SalParams(ListParams):
    full: bool | None = Field(
        None,
        description="false: only each record's one-to-one fields (ids, description, "
        "distance). Absent or true: fully nested.",
    )
    postcode: str | None = Field(
        None,
        description="Alone: records at an address with this postal code (confidential "
        "ones only for members of their organization). With `proximity`: records within "
        "that many meters of the postcode's centre; a postcode Lantern cannot place matches "
        "nothing.",
    )
    proximity: str | None = Field(
        None,
        description=f"Meters from `postcode` (or from `latitude`/`longitude`), at most "
        f"{MAX_PROXIMITY_M}; a value that is not a positive number matches nothing. Without "
        "a place it has nothing to measure from and is not applied.",
    )
    latitude: float | None = Field(
        None, ge=-90, le=90, description="Lantern: with `longitude` and `proximity`."
    )
    longitude: float | None = Field(
        None, ge=-180, le=180, description="Lantern: with `latitude` and `proximity`."
    )

    def proximity_km(self) -> float | None:
        """The radius in km, None when absent, or NaN when it cannot be read (then
        nothing is within it)."""
        if self.proximity is None:
            return None
        try:
            meters = float(self.proximity.strip())
        except ValueError:
            return math.nan
        if math.isnan(meters) or meters <= 0:
            return math.nan
        return min(meters, MAX_PROXIMITY_M) / 1000
