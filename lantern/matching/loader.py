"""From directory rows to the engine's `Candidate`s, for one needs profile and one viewer.

SQL narrows the rows first with the same hard rules the engine applies (a declared rule the
need conflicts with excludes; an undeclared one never does) and, with a distance limit, a
bounding box; the engine then decides exactly. So the SQL may let through more than the
engine keeps, never less. JSON-list rules (genders, trafficking types) are narrowed in SQL
on PostgreSQL only; SQLite leaves them to the engine.

Points: a confidential location counts at its coarse point for anyone outside the owning
organization (the same rule as the directory's proximity search), so repeated searches
cannot triangulate it, and its distance is shown rounded.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from lantern.accounts.selectors import hsds_organization_ids_of
from lantern.core import geo
from lantern.directory.models import (
    Attribute,
    Language,
    LocationType,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
)
from lantern.matching.engine import PREFERENCE_TAGS, Candidate, Capacity, Needs

SERVICE_FIELDS = (
    "id",
    "name",
    "minimum_age",
    "maximum_age",
    "genders_served",
    "accepts_children",
    "max_children",
    "accepts_pets",
    "trafficking_types_served",
    "wheelchair_accessible",
    "accepts_active_substance_use",
    "requires_id_documents",
)


def _declared_or(field: str, condition: Q) -> Q:
    return Q(**{f"{field}__isnull": True}) | condition


def eligible_services(needs: Needs) -> QuerySet[Service]:
    """Active services that no declared rule excludes (a superset of what the engine keeps)."""
    qs = Service.objects.filter(status=ServiceStatus.ACTIVE)
    if needs.age is not None:
        qs = qs.filter(
            _declared_or("minimum_age", Q(minimum_age__lte=needs.age)),
            _declared_or("maximum_age", Q(maximum_age__gte=needs.age)),
        )
    if needs.children:
        qs = qs.exclude(accepts_children=False).filter(
            _declared_or("max_children", Q(max_children__gte=needs.children))
        )
    if needs.pets:
        qs = qs.exclude(accepts_pets=False)
    if needs.needs_wheelchair_access:
        qs = qs.exclude(wheelchair_accessible=False)
    if needs.active_substance_use:
        qs = qs.exclude(accepts_active_substance_use=False)
    if needs.has_id_documents is False:
        qs = qs.exclude(requires_id_documents=True)
    if needs.help_types:
        qs = qs.filter(
            Exists(
                Service.service_types.through.objects.filter(
                    service_id=OuterRef("pk"), taxonomyterm__code__in=sorted(needs.help_types)
                )
            )
        )
    if connection.vendor == "postgresql":
        if needs.gender is not None:
            qs = qs.filter(
                _declared_or("genders_served", Q(genders_served__contains=[needs.gender]))
            )
        if needs.trafficking_types:
            qs = qs.filter(
                _declared_or(
                    "trafficking_types_served",
                    Q(trafficking_types_served__has_any_keys=sorted(needs.trafficking_types)),
                )
            )
    point = needs.point
    if point is not None and needs.max_distance_km is not None:
        min_lat, max_lat, min_lon, max_lon = geo.bounding_box(
            point[0], point[1], needs.max_distance_km
        )
        near = ServiceAtLocation.objects.filter(service_id=OuterRef("pk")).filter(
            Q(
                location__latitude__range=(min_lat, max_lat),
                location__longitude__range=(min_lon, max_lon),
            )
            | Q(
                location__coarse_latitude__range=(min_lat, max_lat),
                location__coarse_longitude__range=(min_lon, max_lon),
            )
        )
        # Services without a place on the map are never excluded by distance.
        placed = ServiceAtLocation.objects.filter(
            service_id=OuterRef("pk"),
            location__location_type=LocationType.PHYSICAL,
            location__latitude__isnull=False,
            location__longitude__isnull=False,
        )
        qs = qs.filter(Exists(near) | ~Exists(placed))
    return qs


def load_candidates(needs: Needs, user: Any) -> list[Candidate]:
    rows = list(eligible_services(needs).values(*SERVICE_FIELDS))
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    return build_candidates(rows, ids, user)


def build_candidates(rows: list[dict[str, Any]], ids: list[Any], user: Any) -> list[Candidate]:
    """Candidates for service rows (`SERVICE_FIELDS`): types, languages, tags, capacities and
    points in one query each."""
    types: dict[Any, set[str]] = defaultdict(set)
    for service_id, code in Service.service_types.through.objects.filter(
        service_id__in=ids
    ).values_list("service_id", "taxonomyterm__code"):
        types[service_id].add(code)
    languages: dict[Any, set[str]] = defaultdict(set)
    for service_id, code in Language.objects.filter(service_id__in=ids).values_list(
        "service_id", "code"
    ):
        if code:
            languages[service_id].add(code.lower())
    tags: dict[str, set[str]] = defaultdict(set)
    for link_id, code in Attribute.objects.filter(
        link_id__in=ids, taxonomy_term__code__in=list(PREFERENCE_TAGS)
    ).values_list("link_id", "taxonomy_term__code"):
        tags[str(link_id)].add(code)
    capacities: dict[Any, list[Capacity]] = defaultdict(list)
    for service_id, available, maximum, unit, updated in ServiceCapacity.objects.filter(
        service_id__in=ids
    ).values_list("service_id", "available", "maximum", "unit__name", "updated"):
        capacities[service_id].append(Capacity(available, maximum, unit, updated))
    places = _places(ids, user)
    out = []
    for row in rows:
        pk = row["id"]
        points, confidential = places.get(pk, ((), False))
        out.append(
            Candidate(
                service_id=str(pk),
                name=row["name"],
                service_types=frozenset(types.get(pk, ())),
                minimum_age=row["minimum_age"],
                maximum_age=row["maximum_age"],
                genders_served=_optional_set(row["genders_served"]),
                accepts_children=row["accepts_children"],
                max_children=row["max_children"],
                accepts_pets=row["accepts_pets"],
                trafficking_types_served=_optional_set(row["trafficking_types_served"]),
                wheelchair_accessible=row["wheelchair_accessible"],
                accepts_active_substance_use=row["accepts_active_substance_use"],
                requires_id_documents=row["requires_id_documents"],
                languages=frozenset(languages.get(pk, ())),
                tags=frozenset(tags.get(str(pk), ())),
                capacities=tuple(capacities.get(pk, ())),
                points=points,
                virtual=not points,
                confidential=confidential,
            )
        )
    return out


def _optional_set(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


def _places(ids: list[Any], user: Any) -> dict[Any, tuple[tuple[tuple[float, float], ...], bool]]:
    """Per service: the points the viewer may measure to, and whether any is a confidential
    location the viewer sees only coarsely (its distance is then shown rounded)."""
    member_of = hsds_organization_ids_of(user)
    found: dict[Any, tuple[list[tuple[float, float]], list[bool]]] = {}
    for (
        service_id,
        kind,
        lat,
        lon,
        coarse_lat,
        coarse_lon,
        confidential,
        org_id,
    ) in ServiceAtLocation.objects.filter(service_id__in=ids).values_list(
        "service_id",
        "location__location_type",
        "location__latitude",
        "location__longitude",
        "location__coarse_latitude",
        "location__coarse_longitude",
        "location__confidential",
        "location__organization_id",
    ):
        if kind != LocationType.PHYSICAL:
            continue
        hidden = confidential and str(org_id) not in member_of
        point = (coarse_lat, coarse_lon) if hidden else (lat, lon)
        if point[0] is None or point[1] is None:
            continue
        points, flags = found.setdefault(service_id, ([], []))
        points.append((float(point[0]), float(point[1])))
        flags.append(hidden)
    return {pk: (tuple(points), any(flags)) for pk, (points, flags) in found.items()}
