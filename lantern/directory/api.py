"""The HSDS 3.1 API under /api/v1/: thin, calls selectors and services."""

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

import orjson
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict, StrictInt, field_validator

from lantern.accounts.api_auth import api_user, optional_auth, write_auth
from lantern.core import postcodes
from lantern.core.api_errors import FieldError, reject_unknown_query
from lantern.core.bounds import Limit, PageNumber
from lantern.core.errors import NotFound
from lantern.directory import doccache, selectors
from lantern.directory.hsds import (
    Viewer,
    capacity_json,
    organization_json,
    taxonomy_json,
    taxonomy_term_json,
)
from lantern.directory.services import CapacityError, capacity_set

router = Router(tags=["directory"])

MAX_PER_PAGE = settings.LANTERN_API_MAX_PER_PAGE
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")


def _refuse_nul(value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL: let it through and the query fails with a 500.
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class PageParams(Schema):
    """Each list takes only the parameters it applies: one it does not know is a 422,
    never silently ignored (see `reject_unknown_query`)."""

    model_config = ConfigDict(extra="forbid")

    search: str | None = Field(None, max_length=200)
    page: PageNumber = 1
    per_page: int = Limit(20, MAX_PER_PAGE)
    format: Literal["json", "ndjson"] = "json"

    _search_without_nul = field_validator("search")(_refuse_nul)


class TermParams(PageParams):
    taxonomy_id: UUID | None = None


class OrganizationParams(TermParams):
    taxonomy_term_id: UUID | None = None
    modified_after: datetime | None = Field(
        None, description="On or after this date-time; without a zone it is read as UTC."
    )

    @field_validator("modified_after", mode="before")
    @classmethod
    def _iso_only(cls, value: Any) -> Any:
        # Pydantic would also read "0.5" or "1700000000" as seconds since 1970.
        if isinstance(value, str) and not ISO_DATE.match(value):
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
        return selectors.DirectoryFilters(
            search=self.search,
            taxonomy_term_id=str(self.taxonomy_term_id) if self.taxonomy_term_id else None,
            taxonomy_id=str(self.taxonomy_id) if self.taxonomy_id else None,
            modified_after=self.modified_after,
        )


class ListParams(OrganizationParams):
    organization_id: UUID | None = None

    def filters(self) -> selectors.DirectoryFilters:
        organization_id = str(self.organization_id) if self.organization_id else None
        return replace(super().filters(), organization_id=organization_id)


class SalParams(ListParams):
    postcode: str | None = Field(None, max_length=10, pattern=r"^\d{5}(-\d{4})?$")
    proximity: float | None = Field(None, gt=0, le=2_000_000, description="meters")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class Page(Schema):
    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[dict[str, Any]]


# What each endpoint can answer, so the OpenAPI document lists every status it returns:
# 401 for a bad token (anonymous is fine), 422 for bad input, 404 for an unknown id.
Error = dict[str, Any]
LIST_RESPONSES: dict[int, Any] = {200: Page, 401: Error, 422: Error}
NDJSON_DOC = {
    "responses": {
        200: {
            "content": {
                "application/x-ndjson": {
                    "schema": {
                        "type": "object",
                        "description": "With format=ndjson: every matching item, one JSON "
                        "object per line, no page envelope.",
                    }
                }
            }
        }
    }
}
DETAIL_RESPONSES: dict[int, Any] = {200: dict[str, Any], 401: Error, 404: Error, 422: Error}


def _page_envelope(items: list[dict[str, Any]], total: int, params: PageParams) -> dict[str, Any]:
    total_pages = max(1, math.ceil(total / params.per_page)) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": params.page,
        "size": len(items),
        "first_page": params.page == 1,
        "last_page": params.page >= total_pages,
        # This page has nothing (no results at all, or a page past the last one).
        "empty": not items,
        "contents": items,
    }


def _ndjson(items: Iterable[dict[str, Any]]) -> StreamingHttpResponse:
    def lines() -> Iterator[bytes]:
        for item in items:
            yield orjson.dumps(item) + b"\n"

    return StreamingHttpResponse(lines(), content_type="application/x-ndjson")


def _json(data: dict[str, Any]) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), content_type="application/json")


def _slice(params: PageParams) -> slice:
    start = (params.page - 1) * params.per_page
    return slice(start, start + params.per_page)


def _respond(request: HttpRequest, params: PageParams, rows: Any, total: int, render: Any) -> Any:
    if params.format == "ndjson":
        # NDJSON is for bulk sync: every matching item, in bounded chunks, no envelope.
        def stream() -> Iterator[dict[str, Any]]:
            chunk = 200
            for start in range(0, total, chunk):
                yield from render(list(rows[start : start + chunk]))

        return _ndjson(stream())
    page_rows = list(rows[_slice(params)])
    # Encoded here, not by django-ninja: the items are already plain JSON values, and
    # re-validating a page of nested HSDS objects against `Page` costs more than building it.
    # Tests validate the output against the HSDS schemas and the OpenAPI document.
    return _json(_page_envelope(render(page_rows), total, params))


@router.get(
    "/services",
    response=LIST_RESPONSES,
    openapi_extra=NDJSON_DOC,
    auth=optional_auth,
    summary="List services",
)
def list_services(request: HttpRequest, params: Query[ListParams]) -> Any:
    reject_unknown_query(request, ListParams.model_fields)
    qs = selectors.services_list(params.filters())

    def render(ids: list[Any]) -> list[dict[str, Any]]:
        return doccache.render_services(ids, api_user(request))

    return _respond(request, params, qs.values_list("id", flat=True), qs.count(), render)


@router.get(
    "/services/{service_id}",
    response=DETAIL_RESPONSES,
    auth=optional_auth,
    summary="Get a service",
)
def get_service(request: HttpRequest, service_id: UUID) -> Any:
    docs = doccache.render_services([service_id], api_user(request))
    if not docs:
        raise NotFound
    return _json(docs[0])


@router.get(
    "/organizations",
    response=LIST_RESPONSES,
    openapi_extra=NDJSON_DOC,
    auth=optional_auth,
    summary="List organizations",
)
def list_organizations(request: HttpRequest, params: Query[OrganizationParams]) -> Any:
    reject_unknown_query(request, OrganizationParams.model_fields)
    qs = selectors.organizations_list(params.filters())

    def render(rows: list[Any]) -> list[dict[str, Any]]:
        viewer = Viewer(api_user(request))
        viewer.load_attributes([o.id for o in rows])
        return [organization_json(o, viewer, full=False) for o in rows]

    return _respond(request, params, qs, qs.count(), render)


@router.get(
    "/organizations/{organization_id}",
    response=DETAIL_RESPONSES,
    auth=optional_auth,
    summary="Get an organization",
)
def get_organization(request: HttpRequest, organization_id: UUID) -> Any:
    org = selectors.organization_get(organization_id)
    viewer = Viewer(api_user(request))
    viewer.load_attributes([org.id] + [loc.id for loc in org.locations.all()])
    return organization_json(org, viewer, full=True)


def _near(params: SalParams) -> selectors.GeoQuery | None:
    if params.latitude is not None or params.longitude is not None:
        if params.latitude is None or params.longitude is None:
            missing = "latitude" if params.latitude is None else "longitude"
            raise FieldError(
                missing, "latitude and longitude must be given together", where="query"
            )
        if params.proximity is None:
            raise FieldError(
                "proximity", "proximity (meters) is required with a point", where="query"
            )
        return selectors.GeoQuery(params.latitude, params.longitude, params.proximity / 1000)
    if params.postcode and params.proximity is not None:
        place = postcodes.lookup(params.postcode)
        if place is None:
            raise FieldError("postcode", "unknown postcode", where="query")
        return selectors.GeoQuery(place.latitude, place.longitude, params.proximity / 1000)
    if params.proximity is not None:
        raise FieldError(
            "proximity", "proximity needs a postcode or latitude/longitude", where="query"
        )
    return None


@router.get(
    "/service_at_locations",
    response=LIST_RESPONSES,
    openapi_extra=NDJSON_DOC,
    auth=optional_auth,
    summary="List services at locations, optionally near a point",
)
def list_service_at_locations(request: HttpRequest, params: Query[SalParams]) -> Any:
    reject_unknown_query(request, SalParams.model_fields)
    near = _near(params)
    rows, distances = selectors.service_at_locations_list(
        user=api_user(request), filters=params.filters(), postcode=params.postcode, near=near
    )
    total = rows.count() if isinstance(rows, QuerySet) else len(rows)

    def render(ids: list[Any]) -> list[dict[str, Any]]:
        return doccache.render_service_at_locations(ids, api_user(request), distances)

    return _respond(request, params, rows, total, render)


@router.get(
    "/service_at_locations/{sal_id}",
    response=DETAIL_RESPONSES,
    auth=optional_auth,
    summary="Get a service at a location",
)
def get_service_at_location(request: HttpRequest, sal_id: UUID) -> Any:
    docs = doccache.render_service_at_locations([sal_id], api_user(request), {})
    if not docs:
        raise NotFound
    return _json(docs[0])


@router.get(
    "/taxonomies",
    response=LIST_RESPONSES,
    openapi_extra=NDJSON_DOC,
    auth=optional_auth,
    summary="List taxonomies",
)
def list_taxonomies(request: HttpRequest, params: Query[PageParams]) -> Any:
    reject_unknown_query(request, PageParams.model_fields)
    qs = selectors.taxonomies_list(params.search)
    return _respond(request, params, qs, qs.count(), lambda rows: [taxonomy_json(t) for t in rows])


@router.get(
    "/taxonomies/{taxonomy_id}",
    response=DETAIL_RESPONSES,
    auth=optional_auth,
    summary="Get a taxonomy",
)
def get_taxonomy(request: HttpRequest, taxonomy_id: UUID) -> Any:
    return taxonomy_json(selectors.taxonomy_get(taxonomy_id))


@router.get(
    "/taxonomy_terms",
    response=LIST_RESPONSES,
    openapi_extra=NDJSON_DOC,
    auth=optional_auth,
    summary="List taxonomy terms",
)
def list_taxonomy_terms(request: HttpRequest, params: Query[TermParams]) -> Any:
    reject_unknown_query(request, TermParams.model_fields)
    qs = selectors.taxonomy_terms_list(
        search=params.search,
        taxonomy_id=str(params.taxonomy_id) if params.taxonomy_id else None,
    )
    return _respond(
        request, params, qs, qs.count(), lambda rows: [taxonomy_term_json(t) for t in rows]
    )


@router.get(
    "/taxonomy_terms/{term_id}",
    response=DETAIL_RESPONSES,
    auth=optional_auth,
    summary="Get a taxonomy term",
)
def get_taxonomy_term(request: HttpRequest, term_id: UUID) -> Any:
    return taxonomy_term_json(selectors.taxonomy_term_get(term_id))


class CapacityPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    available: StrictInt | None = Field(None, ge=0, le=100000)
    maximum: StrictInt | None = Field(None, ge=0, le=100000)
    description: str | None = Field(None, max_length=500)

    _description_without_nul = field_validator("description")(_refuse_nul)


@router.patch(
    "/service_capacities/{capacity_id}",
    # 400: a body that is not JSON; 403: a session caller without a CSRF token.
    response={200: dict[str, Any], 400: Error, 401: Error, 403: Error, 404: Error, 422: Error},
    auth=write_auth,
    summary="Update a service capacity (members of the owning organization)",
)
def patch_service_capacity(request: HttpRequest, capacity_id: UUID, payload: CapacityPatch) -> Any:
    capacity = selectors.capacity_for_user(api_user(request), capacity_id)
    sent = payload.model_dump(exclude_unset=True)
    if not sent:
        raise FieldError("available", "send at least one of available, maximum, description")
    if "available" in sent and sent["available"] is None:
        raise FieldError("available", "must be a whole number")
    kwargs: dict[str, Any] = {}
    if "available" in sent:
        kwargs["available"] = sent["available"]
    if "maximum" in sent:
        kwargs["maximum"] = sent["maximum"]
    if "description" in sent:
        kwargs["description"] = sent["description"] or ""
    try:
        change = capacity_set(capacity=capacity, actor=api_user(request), via="api", **kwargs)
    except CapacityError as err:
        raise FieldError(err.field, err.message) from err
    type_codes = [t.code for t in capacity.service.service_types.all()]
    return capacity_json(change.capacity, Viewer(api_user(request)), type_codes)
