"""The HSDS 3.1 API under /api/v1/: thin, calls selectors and services.

The directory endpoints answer what the official HSDS 3.1 API document (Open Referral's
`openapi.json`) allows: its parameters with their meaning (read by `api_params`), each list
under GET and POST alike, and 404 for an unknown id of any shape. Lantern's additions are in
its own OpenAPI document: live capacities in every service, `format=ndjson`, `latitude`/
`longitude` near-search, `modified_after` on organizations, `distance_km`.
"""

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any
from uuid import UUID

import orjson
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
from pydantic import ConfigDict, StrictInt, field_validator

from lantern.accounts.api_auth import api_user, optional_auth, write_auth
from lantern.core import postcodes
from lantern.core.api_errors import FieldError, reject_unknown_query
from lantern.core.errors import NotFound
from lantern.directory import doccache, selectors
from lantern.directory.api_params import (
    MINIMAL_MAX_PER_PAGE,
    OrganizationDetailParams,
    OrganizationParams,
    PageParams,
    Paging,
    SalParams,
    ServiceParams,
    TaxonomyParams,
    TermParams,
    as_uuid,
)
from lantern.directory.hsds import (
    Viewer,
    capacity_json,
    distance_for_display,
    organization_json,
    service_brief_json,
    service_core_json,
    service_minimal_json,
    taxonomy_json,
    taxonomy_term_json,
)
from lantern.directory.services import CapacityError, capacity_set

router = Router(tags=["directory"])


def _refuse_nul(value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL: let it through and the query fails with a 500.
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


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
Render = Callable[[list[Any]], list[dict[str, Any]]]


def _list_route(path: str, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A list under GET and, as the HSDS API document has it, POST: the same query
    parameters, the same answer. POST changes nothing, so it needs no CSRF token."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        common: dict[str, Any] = {
            "response": LIST_RESPONSES,
            "openapi_extra": NDJSON_DOC,
            "auth": optional_auth,
        }
        router.get(path, summary=summary, **common)(view)
        router.post(
            path,
            summary=f"{summary} (POST, as GET)",
            operation_id=f"lantern_directory_api_{view.__name__}_post",
            **common,
        )(view)
        return view

    return register


def _check_request(request: HttpRequest, params: type[PageParams]) -> None:
    """Unknown query parameters are a 422; so is a POST body (HSDS defines none, and
    filters sent there would be silently ignored)."""
    reject_unknown_query(request, params.model_fields)
    if request.method == "POST" and _carries_a_body(request):
        raise ValidationError(
            [
                {
                    "loc": ["body"],
                    "msg": "send no body: the filters go in the query string",
                    "type": "extra_forbidden",
                }
            ]
        )


def _carries_a_body(request: HttpRequest) -> bool:
    """Whether a POST sends anything in its body: an empty form or `{}` sends nothing."""
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return bool(request.POST) or bool(request.FILES)
    body = request.body.strip()
    if not body:
        return False
    try:
        return orjson.loads(body) not in ({}, [], None)
    except orjson.JSONDecodeError:
        return True


def _page_envelope(items: list[dict[str, Any]], total: int, paging: Paging) -> dict[str, Any]:
    total_pages = max(1, math.ceil(total / paging.per_page)) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": paging.page,
        "size": len(items),
        "first_page": paging.page == 1,
        "last_page": paging.page >= total_pages,
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


def _respond(params: PageParams, paging: Paging, rows: Any, total: int, render: Render) -> Any:
    if params.ndjson:
        # NDJSON is for bulk sync: every matching item, in bounded chunks, no envelope.
        def stream() -> Iterator[dict[str, Any]]:
            chunk = 200
            for start in range(0, total, chunk):
                yield from render(list(rows[start : start + chunk]))

        return _ndjson(stream())
    page_rows = list(rows[paging.slice()])
    # Encoded here, not by django-ninja: the items are already plain JSON values, and
    # re-validating a page of nested HSDS objects against `Page` costs more than building it.
    # Tests validate the output against the HSDS schemas and the OpenAPI document.
    return _json(_page_envelope(render(page_rows), total, paging))


def _known_id(value: str) -> UUID:
    """The path id as a UUID; any other shape is as unknown as a missing id (404)."""
    parsed = as_uuid(value)
    if parsed is None:
        raise NotFound
    return parsed


@_list_route("/services", "List services")
def list_services(request: HttpRequest, params: Query[ServiceParams]) -> Any:
    _check_request(request, ServiceParams)
    qs = selectors.services_list(params.filters())
    user = api_user(request)
    render: Render
    if params.minimal:
        paging = params.paging(maximum=MINIMAL_MAX_PER_PAGE, default=MINIMAL_MAX_PER_PAGE)
        rows: Any = qs.values_list("id", "name", "status", "last_modified")
        render = lambda page: [service_minimal_json(*row) for row in page]  # noqa: E731
    elif params.full is False:
        paging = params.paging()
        rows = selectors.services_brief(qs)
        render = lambda page: [service_brief_json(s) for s in page]  # noqa: E731
    else:
        paging = params.paging()
        rows = qs.values_list("id", flat=True)
        render = lambda ids: doccache.render_services(ids, user)  # noqa: E731
    return _respond(params, paging, rows, qs.count(), render)


@router.get(
    "/services/{service_id}",
    response=DETAIL_RESPONSES,
    auth=optional_auth,
    summary="Get a service",
)
def get_service(request: HttpRequest, service_id: str) -> Any:
    docs = doccache.render_services([_known_id(service_id)], api_user(request))
    if not docs:
        raise NotFound
    return _json(docs[0])


def _organization_services(
    organization_ids: list[Any], user: Any, *, full: bool
) -> dict[str, list[dict[str, Any]]]:
    """Each organization's services: fully nested, or their one-to-one fields."""
    found = selectors.services_of_organizations(organization_ids)
    if not full:
        return {org: [service_core_json(s) for s in services] for org, services in found.items()}
    ids = [s.id for services in found.values() for s in services]
    docs = {doc["id"]: doc for doc in doccache.render_services(ids, user)}
    return {
        org: [docs[str(s.id)] for s in services if str(s.id) in docs]
        for org, services in found.items()
    }


@_list_route("/organizations", "List organizations")
def list_organizations(request: HttpRequest, params: Query[OrganizationParams]) -> Any:
    _check_request(request, OrganizationParams)
    qs = selectors.organizations_list(params.filters())
    full = bool(params.full)
    if full:
        qs = selectors.organizations_with_locations(qs)
    user = api_user(request)

    def render(rows: list[Any]) -> list[dict[str, Any]]:
        viewer = Viewer(user)
        locations = [loc.id for o in rows for loc in o.locations.all()] if full else []
        viewer.load_attributes([o.id for o in rows] + locations)
        services = None
        if full or params.full_service:
            services = _organization_services(
                [o.id for o in rows], user, full=bool(params.full_service)
            )
        return [
            organization_json(
                o,
                viewer,
                full=full,
                services=None if services is None else services.get(str(o.id), []),
            )
            for o in rows
        ]

    return _respond(params, params.paging(), qs, qs.count(), render)


@router.get(
    "/organizations/{organization_id}",
    response=DETAIL_RESPONSES,
    auth=optional_auth,
    summary="Get an organization, with its locations and services",
)
def get_organization(
    request: HttpRequest, organization_id: str, params: Query[OrganizationDetailParams]
) -> Any:
    org = selectors.organization_get(organization_id)
    user = api_user(request)
    viewer = Viewer(user)
    viewer.load_attributes([org.id] + [loc.id for loc in org.locations.all()])
    services = _organization_services([org.id], user, full=bool(params.full_service))
    return organization_json(org, viewer, full=True, services=services.get(str(org.id), []))


def _sal_query(
    params: SalParams,
) -> tuple[selectors.DirectoryFilters, str | None, selectors.GeoQuery | None]:
    """The filters, the postcode to match exactly, and the point and radius to search near.

    `latitude`/`longitude` are Lantern's: misusing them is a 422. The HSDS `postcode` and
    `proximity` never are: a place Lantern cannot find, or a radius that is not a positive
    number of meters, matches nothing; a radius with no place is not applied."""
    filters = params.filters()
    radius_km = params.proximity_km()
    nothing = replace(filters, unmatchable=True)
    if params.latitude is not None or params.longitude is not None:
        if params.latitude is None or params.longitude is None:
            missing = "latitude" if params.latitude is None else "longitude"
            raise FieldError(
                missing, "latitude and longitude must be given together", where="query"
            )
        if radius_km is None:
            raise FieldError(
                "proximity", "proximity (meters) is required with a point", where="query"
            )
        if math.isnan(radius_km):
            return nothing, None, None
        return filters, None, selectors.GeoQuery(params.latitude, params.longitude, radius_km)
    if params.postcode is not None and radius_km is not None:
        place = postcodes.lookup(params.postcode)
        if place is None or math.isnan(radius_km):
            return nothing, None, None
        return filters, None, selectors.GeoQuery(place.latitude, place.longitude, radius_km)
    if params.postcode is not None and "\x00" in params.postcode:
        return nothing, None, None
    return filters, params.postcode, None


@_list_route("/service_at_locations", "List services at locations, optionally near a point")
def list_service_at_locations(request: HttpRequest, params: Query[SalParams]) -> Any:
    _check_request(request, SalParams)
    filters, postcode, near = _sal_query(params)
    user = api_user(request)
    rows, distances = selectors.service_at_locations_list(
        user=user, filters=filters, postcode=postcode, near=near
    )
    total = rows.count() if isinstance(rows, QuerySet) else len(rows)
    render: Render
    if params.full is False:

        def render(ids: list[Any]) -> list[dict[str, Any]]:
            viewer = Viewer(user)
            docs = []
            for row in selectors.service_at_locations_brief(ids):
                doc: dict[str, Any] = {k: str(row[k]) for k in ("id", "service_id", "location_id")}
                if row["description"]:
                    doc["description"] = row["description"]
                if row["id"] in distances:
                    place = doccache.Place(row["confidential"], row["organization_id"])
                    doc["distance_km"] = distance_for_display(distances[row["id"]], place, viewer)
                docs.append(doc)
            return docs

    else:

        def render(ids: list[Any]) -> list[dict[str, Any]]:
            return doccache.render_service_at_locations(ids, user, distances)

    return _respond(params, params.paging(), rows, total, render)


@router.get(
    "/service_at_locations/{sal_id}",
    response=DETAIL_RESPONSES,
    auth=optional_auth,
    summary="Get a service at a location",
)
def get_service_at_location(request: HttpRequest, sal_id: str) -> Any:
    docs = doccache.render_service_at_locations([_known_id(sal_id)], api_user(request), {})
    if not docs:
        raise NotFound
    return _json(docs[0])


@_list_route("/taxonomies", "List taxonomies")
def list_taxonomies(request: HttpRequest, params: Query[TaxonomyParams]) -> Any:
    _check_request(request, TaxonomyParams)
    qs = selectors.taxonomies_list(params.filters())
    return _respond(
        params, params.paging(), qs, qs.count(), lambda rows: [taxonomy_json(t) for t in rows]
    )


@router.get(
    "/taxonomies/{taxonomy_id}",
    response=DETAIL_RESPONSES,
    auth=optional_auth,
    summary="Get a taxonomy",
)
def get_taxonomy(request: HttpRequest, taxonomy_id: str) -> Any:
    return taxonomy_json(selectors.taxonomy_get(taxonomy_id))


@_list_route("/taxonomy_terms", "List taxonomy terms")
def list_taxonomy_terms(request: HttpRequest, params: Query[TermParams]) -> Any:
    _check_request(request, TermParams)
    qs = selectors.taxonomy_terms_list(params.filters())
    return _respond(
        params,
        params.paging(),
        qs,
        qs.count(),
        lambda rows: [taxonomy_term_json(t) for t in rows],
    )


@router.get(
    "/taxonomy_terms/{term_id}",
    response=DETAIL_RESPONSES,
    auth=optional_auth,
    summary="Get a taxonomy term",
)
def get_taxonomy_term(request: HttpRequest, term_id: str) -> Any:
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
