"""Reads for the directory: querysets already shaped for what a caller may see.

The directory itself is public; what differs per caller is how much of a confidential
location they see, which the serializers in `hsds.py` decide through `policy.py`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet

from lantern.accounts.models import User
from lantern.accounts.selectors import hsds_organization_ids_of
from lantern.core import geo
from lantern.core.errors import NotFound
from lantern.core.sql import in_array_of
from lantern.directory import policy
from lantern.directory.models import (
    Address,
    Attribute,
    Location,
    OneTapUse,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
)
from lantern.directory.profile import ELIGIBILITY_FIELDS, SERVICE_TYPE_BY_ID, TERMS_BY_ID


@dataclass(frozen=True)
class DirectoryFilters:
    search: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: datetime | None = None
    # A filter that names nothing that can exist (an id that is not a UUID, a NUL in the
    # search words): the list is empty.
    unmatchable: bool = False


@dataclass(frozen=True)
class TermFilters:
    """Filters of the taxonomy and taxonomy term lists (ids already checked as UUIDs)."""

    search: str | None = None
    taxonomy_id: str | None = None
    parent_id: str | None = None
    top_only: bool = False
    unmatchable: bool = False


def _location_prefetch(prefix: str) -> list[Any]:
    return [
        Prefetch(f"{prefix}addresses", queryset=Address.objects.order_by("id")),
        f"{prefix}languages",
        f"{prefix}phones",
        f"{prefix}schedules",
    ]


def services_full() -> QuerySet[Service]:
    """Services with everything the HSDS service object nests, in a fixed number of queries."""
    return Service.objects.select_related("organization").prefetch_related(
        Prefetch(
            "capacities", queryset=ServiceCapacity.objects.select_related("unit").order_by("id")
        ),
        "languages",
        "phones",
        "schedules",
        Prefetch("service_types", queryset=TaxonomyTerm.objects.only("id", "code")),
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").order_by("id"),
        ),
        *_location_prefetch("service_at_locations__location__"),
    )


def _search_q(term: str, prefix: str = "") -> Q:
    """A service whose name, description or organization's name contains `term` (any case).

    On PostgreSQL the trigram indexes of migration `directory.0004` answer each of the three
    (a bitmap OR); the organizations are named as `= ANY(ARRAY(subquery))`, which the
    planner can put in that bitmap, where `IN (subquery)` or a join would make it test every
    service's text (about 45 ms at 10,000 services against 3 ms, bench/README.md).
    """
    organizations = Organization.objects.filter(name__icontains=term).values("id")
    if connection.vendor == "postgresql":
        by_organization = Q(in_array_of(F(f"{prefix}organization_id"), organizations))
    else:
        by_organization = Q(**{f"{prefix}organization_id__in": organizations})
    return (
        Q(**{f"{prefix}name__icontains": term})
        | Q(**{f"{prefix}description__icontains": term})
        | by_organization
    )


def _apply_service_filters(qs: QuerySet[Any], filters: DirectoryFilters, prefix: str = "") -> Any:
    if filters.unmatchable:
        return qs.none()
    if filters.search:
        qs = qs.filter(_search_q(filters.search.strip(), prefix))
    if filters.organization_id:
        qs = qs.filter(**{f"{prefix}organization_id": filters.organization_id})
    if filters.taxonomy_term_id:
        term_id = filters.taxonomy_term_id
        if term_id in SERVICE_TYPE_BY_ID:
            qs = qs.filter(**{f"{prefix}service_types": term_id})
        elif term_id in TERMS_BY_ID:
            # An eligibility term: services that declare that rule at all.
            field = ELIGIBILITY_FIELDS.get(TERMS_BY_ID[term_id].code)
            qs = qs.filter(**{f"{prefix}{field}__isnull": False}) if field else qs.none()
        else:
            linked = Attribute.objects.filter(taxonomy_term_id=UUID(term_id)).values("link_id")
            qs = qs.filter(**{f"{prefix}id__in": linked})
    if filters.taxonomy_id:
        linked = Attribute.objects.filter(
            taxonomy_term__taxonomy_detail_id=UUID(filters.taxonomy_id)
        ).values("link_id")
        qs = qs.filter(
            Q(**{f"{prefix}service_types__taxonomy_detail_id": filters.taxonomy_id})
            | Q(**{f"{prefix}id__in": linked})
        ).distinct()
    if filters.modified_after:
        qs = qs.filter(**{f"{prefix}last_modified__gte": filters.modified_after})
    return qs


def services_list(filters: DirectoryFilters) -> QuerySet[Service]:
    """Matching services in page order (plain rows: pages are rendered by `doccache`)."""
    return _apply_service_filters(Service.objects.all(), filters).order_by("name", "id")


def organizations_list(filters: DirectoryFilters) -> QuerySet[Organization]:
    qs = Organization.objects.all()
    if filters.unmatchable:
        return qs.none()
    if filters.search:
        qs = qs.filter(Q(name__icontains=filters.search) | Q(description__icontains=filters.search))
    if filters.modified_after:
        qs = qs.filter(last_modified__gte=filters.modified_after)
    if filters.taxonomy_term_id or filters.taxonomy_id:
        matching = _apply_service_filters(
            Service.objects.all(),
            DirectoryFilters(
                taxonomy_term_id=filters.taxonomy_term_id, taxonomy_id=filters.taxonomy_id
            ),
        ).values("organization_id")
        qs = qs.filter(id__in=matching)
    return qs.prefetch_related("phones").order_by("name", "id")


def organizations_with_locations(qs: QuerySet[Organization]) -> QuerySet[Organization]:
    """The organizations with what a fully nested HSDS organization shows of its locations."""
    return qs.prefetch_related(
        "phones",
        Prefetch("locations", queryset=Location.objects.order_by("name", "id")),
        *_location_prefetch("locations__"),
    )


def organization_get(organization_id: Any) -> Organization:
    """One organization, fully loaded; NotFound for an unknown id of any shape."""
    if _uuid(organization_id) is None:
        raise NotFound
    org = organizations_with_locations(Organization.objects.filter(pk=organization_id)).first()
    if org is None:
        raise NotFound
    return org


def services_of_organizations(organization_ids: Sequence[Any]) -> dict[str, list[Service]]:
    """The services of each organization (its one-to-one fields), by name, in one query."""
    found: dict[str, list[Service]] = {}
    for service in Service.objects.filter(organization_id__in=list(organization_ids)).order_by(
        "name", "id"
    ):
        found.setdefault(str(service.organization_id), []).append(service)
    return found


def services_brief(qs: QuerySet[Service]) -> QuerySet[Service]:
    """Services with what their one-to-one HSDS fields need (the organization summary)."""
    return qs.select_related("organization")


def service_at_locations_brief(ids: Sequence[Any]) -> list[dict[str, Any]]:
    """The one-to-one fields of these service-at-locations, in the order of `ids`, with
    what deciding how a distance is shown needs of the location."""
    rows: dict[str, dict[str, Any]] = {
        str(row["id"]): dict(row)
        for row in ServiceAtLocation.objects.filter(id__in=list(ids)).values(
            "id",
            "service_id",
            "location_id",
            "description",
            confidential=F("location__confidential"),
            organization_id=F("location__organization_id"),
        )
    }
    return [rows[str(i)] for i in ids if str(i) in rows]


def _uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class GeoQuery:
    latitude: float
    longitude: float
    radius_km: float


def service_at_locations_list(
    *,
    user: Any,
    filters: DirectoryFilters,
    postcode: str | None = None,
    near: GeoQuery | None = None,
) -> tuple[Sequence[Any], dict[Any, float]]:
    """Ids of the service-at-locations matching the filters, in page order, and distances
    (km) when near a point. Pages are rendered from the ids by `doccache`.

    Near a point: a bounding box narrows the rows in SQL (indexed on both the exact and the
    coarse coordinates), then the exact great-circle distance decides. For a confidential
    location the caller may not see exactly, the coarse point stands in for the real one, so
    repeated radius queries cannot triangulate a safe house.
    """
    qs = _apply_service_filters(ServiceAtLocation.objects.all(), filters, prefix="service__")
    if postcode and near is None:
        # Matching a confidential location's postcode would reveal it to outsiders.
        member_orgs = _member_org_ids(user)
        qs = (
            qs.filter(location__addresses__postal_code=postcode)
            .filter(Q(location__confidential=False) | Q(location__organization_id__in=member_orgs))
            .distinct()
        )
    if near is None:
        return qs.order_by("id").values_list("id", flat=True), {}

    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(
        near.latitude, near.longitude, near.radius_km
    )
    box_exact = Q(
        location__latitude__gte=min_lat,
        location__latitude__lte=max_lat,
        location__longitude__gte=min_lon,
        location__longitude__lte=max_lon,
    )
    box_coarse = Q(
        location__coarse_latitude__gte=min_lat,
        location__coarse_latitude__lte=max_lat,
        location__coarse_longitude__gte=min_lon,
        location__coarse_longitude__lte=max_lon,
    )
    # Distances need only the coordinates (plain tuples, no model instances); the full rows
    # are rendered for the page alone.
    light = _apply_service_filters(ServiceAtLocation.objects.all(), filters, prefix="service__")
    candidates = light.filter(box_exact | box_coarse).values_list("id", *POINT_LOOKUPS)
    distances: dict[Any, float] = {}
    shown: dict[Any, float] = {}
    kept: list[Any] = []
    for pk, *fields in candidates:
        location = LocationPoint(*fields)
        point = point_for(user, location)
        if point is None:
            continue
        distance = geo.haversine_km(near.latitude, near.longitude, point[0], point[1])
        if distance <= near.radius_km:
            distances[pk] = distance
            shown[pk] = _shown_km(user, location, distance)
            kept.append(pk)
    # Order by the distance the caller is shown, so a confidential location shown rounded
    # up to the next step never comes before one that looks nearer.
    kept.sort(key=lambda pk: (shown[pk], distances[pk], str(pk)))
    return kept, distances


class LocationPoint(NamedTuple):
    """What distance needs of a location (a plain row, not a model instance)."""

    latitude: float | None
    longitude: float | None
    coarse_latitude: float | None
    coarse_longitude: float | None
    confidential: bool
    organization_id: Any


POINT_LOOKUPS = tuple(f"location__{name}" for name in LocationPoint._fields)


def point_for(user: Any, location: Any) -> tuple[float, float] | None:
    """The point the caller may measure distance to: exact, or coarse for outsiders."""
    if policy.sees_exact_location(user, location):
        if location.latitude is None or location.longitude is None:
            return None
        return location.latitude, location.longitude
    if location.coarse_latitude is None or location.coarse_longitude is None:
        return None
    return location.coarse_latitude, location.coarse_longitude


def _shown_km(user: Any, location: Any, distance_km: float) -> float:
    if policy.sees_exact_location(user, location):
        return distance_km
    return geo.round_distance_km(distance_km, settings.LANTERN_CONFIDENTIAL_DISTANCE_STEP_KM)


def _member_org_ids(user: Any) -> list[str]:
    return sorted(hsds_organization_ids_of(user))


def taxonomies_list(filters: TermFilters | None = None) -> QuerySet[Taxonomy]:
    filters = filters or TermFilters()
    qs = Taxonomy.objects.all()
    if filters.unmatchable:
        return qs.none()
    if filters.search:
        qs = qs.filter(Q(name__icontains=filters.search) | Q(description__icontains=filters.search))
    return qs.order_by("name", "id")


def taxonomy_terms_list(filters: TermFilters | None = None) -> QuerySet[TaxonomyTerm]:
    """Terms matching the filters; `top_only` keeps the terms without a parent."""
    filters = filters or TermFilters()
    qs = TaxonomyTerm.objects.select_related("taxonomy_detail")
    if filters.unmatchable:
        return qs.none()
    if filters.search:
        qs = qs.filter(Q(name__icontains=filters.search) | Q(description__icontains=filters.search))
    if filters.taxonomy_id:
        qs = qs.filter(taxonomy_detail_id=UUID(filters.taxonomy_id))
    if filters.parent_id:
        qs = qs.filter(parent_id=UUID(filters.parent_id))
    if filters.top_only:
        qs = qs.filter(parent__isnull=True)
    return qs.order_by("taxonomy_detail__name", "code", "id")


def capacity_for_user(user: Any, capacity_id: Any) -> ServiceCapacity:
    """A capacity the user may update, or 404 (missing and not allowed look the same)."""
    capacity = (
        ServiceCapacity.objects.select_related("service", "unit")
        .prefetch_related("service__service_types")
        .filter(pk=capacity_id)
        .first()
    )
    if capacity is None or not policy.may_update_capacity(user, capacity.service):
        raise NotFound
    return capacity


def capacity_get(capacity_id: Any) -> ServiceCapacity | None:
    """A capacity with what updating it needs, whoever asks (a signed one-tap link is
    checked by `onetap`, not by the caller's memberships)."""
    return (
        ServiceCapacity.objects.select_related("service", "unit")
        .prefetch_related("service__service_types")
        .filter(pk=capacity_id)
        .first()
    )


def listed_service(service_id: Any, *, with_capacities: bool = False) -> Service:
    """A service that exists and is not defunct (public directory data), or NotFound, also
    for an id that is not a UUID at all. `with_capacities` loads its organization,
    capacities with their units, and types (what a referral page shows)."""
    try:
        service = Service.objects.exclude(status=ServiceStatus.DEFUNCT).filter(pk=service_id)
        if with_capacities:
            service = service.select_related("organization").prefetch_related(
                "capacities__unit", "service_types"
            )
        found = service.first()
    except (ValidationError, ValueError, TypeError):
        found = None
    if found is None:
        raise NotFound
    return found


def active_user(user_id: Any) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


def one_tap_used_actions(link_id: str) -> set[str]:
    return set(OneTapUse.objects.filter(link_id=link_id).values_list("action", flat=True))


def taxonomy_get(taxonomy_id: Any) -> Taxonomy:
    """One taxonomy; NotFound for an unknown id of any shape."""
    if _uuid(taxonomy_id) is None:
        raise NotFound
    taxonomy = taxonomies_list().filter(pk=taxonomy_id).first()
    if taxonomy is None:
        raise NotFound
    return taxonomy


def taxonomy_term_get(term_id: Any) -> TaxonomyTerm:
    """One taxonomy term; NotFound for an unknown id of any shape."""
    if _uuid(term_id) is None:
        raise NotFound
    term = taxonomy_terms_list().filter(pk=term_id).first()
    if term is None:
        raise NotFound
    return term


def capacities_of_user(user: Any) -> QuerySet[ServiceCapacity]:
    """Every capacity the user may update, for the provider page."""
    org_ids = hsds_organization_ids_of(user)
    return (
        ServiceCapacity.objects.filter(service__organization_id__in=org_ids)
        .select_related("service", "unit", "service__organization")
        .prefetch_related("service__service_types")
        .order_by("service__name", "id")
    )


@dataclass(frozen=True)
class ServiceFacts:
    """What referral metrics need of some services (public directory data only)."""

    regions: dict[Any, str]  # service id -> state or province, or "virtual"
    types: dict[Any, set[str]]  # service id -> service type codes
    type_names: dict[str, str]  # code -> taxonomy term name


def service_facts(
    service_ids: Sequence[Any] | QuerySet[Any], *, virtual: str = "virtual"
) -> ServiceFacts:
    """Each service's region (the state or province of its first physical location with
    an address, by service-at-location id, else `virtual` when it has a virtual location;
    absent when neither), its service type codes and the names of those codes.
    `service_ids` may be a queryset of ids (then it runs as a subquery)."""
    ids = service_ids if isinstance(service_ids, QuerySet) else list(service_ids)
    links = list(
        ServiceAtLocation.objects.filter(service_id__in=ids)
        .order_by("id")
        .values_list("service_id", "location_id", "location__location_type")
    )
    physical = {location for _, location, kind in links if kind == "physical"}
    states: dict[Any, str] = {}
    for location_id, state in (
        Address.objects.filter(location_id__in=physical, address_type="physical")
        .exclude(state_province="")
        .order_by("id")
        .values_list("location_id", "state_province")
    ):
        states.setdefault(location_id, state.strip().upper())
    regions: dict[Any, str] = {}
    for service_id, location_id, kind in links:
        if kind == "physical" and location_id in states:
            if regions.get(service_id) in (None, virtual):
                regions[service_id] = states[location_id]
        elif kind == "virtual":
            regions.setdefault(service_id, virtual)
    types: dict[Any, set[str]] = {}
    for service_id, code in (
        Service.service_types.through.objects.filter(service_id__in=ids)
        .exclude(taxonomyterm__code="")
        .values_list("service_id", "taxonomyterm__code")
    ):
        types.setdefault(service_id, set()).add(code)
    codes = {code for found in types.values() for code in found}
    names = dict(
        TaxonomyTerm.objects.filter(code__in=codes)
        .order_by("code", "id")
        .values_list("code", "name")
    )
    return ServiceFacts(regions=regions, types=types, type_names=names)


def listings_unclaimed() -> QuerySet[Organization]:
    """Directory organizations no member organization has claimed yet: the listings a
    coalition admin may link a new member organization to."""
    return Organization.objects.filter(account__isnull=True).order_by("name", "id")
