"""From the match index to the engine's `Candidate`s, for one needs profile and one viewer.

SQL narrows the rows of the match index (`MatchEntry`, a read model of the directory) with
the same hard rules the engine applies (a declared rule the need conflicts with excludes;
an undeclared one never does) and, with a distance limit, a bounding box; the engine then
decides exactly. So the SQL may let through more than the engine keeps, never less.
JSON-list rules (help types, genders, trafficking types) are narrowed in SQL on PostgreSQL
only; SQLite leaves them to the engine. Capacities are read live.

Points: a confidential location counts at its coarse point for anyone outside the owning
organization (the same rule as the directory's proximity search), so repeated searches
cannot triangulate it, and its distance is shown rounded.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from lantern.accounts.selectors import hsds_organization_ids_of
from lantern.core import geo
from lantern.directory.models import ServiceCapacity
from lantern.matching.engine import Candidate, Capacity, Needs
from lantern.matching.models import MatchEntry, MatchPoint


def _declared_or(field: str, condition: Q) -> Q:
    return Q(**{f"{field}__isnull": True}) | condition


def eligible_entries(needs: Needs) -> QuerySet[MatchEntry]:
    """Index entries of active services that no declared rule excludes (a superset of what
    the engine keeps)."""
    qs = MatchEntry.objects.filter(active=True)
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
    if connection.vendor == "postgresql":
        # JSON list rules; SQLite leaves them to the engine.
        if needs.help_types:
            qs = qs.filter(service_types__has_any_keys=sorted(needs.help_types))
        if needs.gender is not None:
            served = Q(genders_served__contains=[needs.gender])
            qs = qs.filter(_declared_or("genders_served", served))
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
        # Exact and coarse points alike: the engine measures to the one the viewer may use.
        near = MatchPoint.objects.filter(
            entry_id=OuterRef("pk"),
            latitude__range=(min_lat, max_lat),
            longitude__range=(min_lon, max_lon),
        )
        # Services without a place on the map are never excluded by distance.
        qs = qs.filter(Q(placed=False) | Exists(near))
    return qs


# Above this many eligible services, `find_help` first tries the head (see there).
HEAD_THRESHOLD = 300


def load_candidates(
    needs: Needs, user: Any, *, open_since: datetime | None = None
) -> list[Candidate]:
    """Candidates for a needs profile: one query on the match index, one for capacities.
    With `open_since`, only services with an open place updated since then (the head)."""
    qs = eligible_entries(needs)
    if open_since is not None:
        qs = qs.filter(
            Exists(
                ServiceCapacity.objects.filter(
                    service_id=OuterRef("service_id"), available__gt=0, updated__gte=open_since
                )
            )
        )
    rows = list(qs.values_list("service_id", "data"))
    if not rows:
        return []
    capacities: dict[Any, list[Capacity]] = defaultdict(list)
    for service_id, available, maximum, unit, updated in ServiceCapacity.objects.filter(
        service_id__in=[row[0] for row in rows]
    ).values_list("service_id", "available", "maximum", "unit__name", "updated"):
        capacities[service_id].append(Capacity(available, maximum, unit, updated))
    member_of = hsds_organization_ids_of(user)
    out = []
    for service_id, data in rows:
        entry = orjson.loads(data)
        points, hidden_any = _viewer_points(entry["points"], member_of)
        out.append(
            Candidate(
                service_id=str(service_id),
                name=entry["name"],
                service_types=frozenset(entry["service_types"]),
                minimum_age=entry["minimum_age"],
                maximum_age=entry["maximum_age"],
                genders_served=_optional_set(entry["genders_served"]),
                accepts_children=entry["accepts_children"],
                max_children=entry["max_children"],
                accepts_pets=entry["accepts_pets"],
                trafficking_types_served=_optional_set(entry["trafficking_types_served"]),
                wheelchair_accessible=entry["wheelchair_accessible"],
                accepts_active_substance_use=entry["accepts_active_substance_use"],
                requires_id_documents=entry["requires_id_documents"],
                languages=frozenset(entry["languages"]),
                tags=frozenset(entry["tags"]),
                capacities=tuple(capacities.get(service_id, ())),
                points=points,
                virtual=not points,
                confidential=hidden_any,
            )
        )
    return out


def _optional_set(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


def _viewer_points(
    stored: list[list[Any]], member_of: set[str]
) -> tuple[tuple[tuple[float, float], ...], bool]:
    """The points this viewer may measure to (coarse for a confidential location outside
    their organization), and whether any is such a hidden one."""
    points: list[tuple[float, float]] = []
    hidden_any = False
    for lat, lon, coarse_lat, coarse_lon, confidential, org_id in stored:
        hidden = bool(confidential) and org_id not in member_of
        point = (coarse_lat, coarse_lon) if hidden else (lat, lon)
        if point[0] is None or point[1] is None:
            continue
        points.append((float(point[0]), float(point[1])))
        hidden_any = hidden_any or hidden
    return tuple(points), hidden_any


def exact_total(needs: Needs, user: Any) -> int | None:
    """How many services the engine keeps, counted in SQL, or None when only the engine can
    tell: on SQLite (JSON rules are left to the engine), with `only_open` (it depends on the
    clock and each service's freshness bands) and with distance limits (the bounding box is
    wider than the circle). Otherwise the SQL rules are exactly the engine's rules.

    Counting distances here instead (decoding every row in the box) was measured slower
    than loading the candidates: a search with a distance limit is already narrow."""
    if connection.vendor != "postgresql" or needs.only_open:
        return None
    if needs.point is not None and (
        needs.max_distance_km is not None or needs.away_from_km is not None
    ):
        return None
    return eligible_entries(needs).count()
