"""From the match index to the engine's `Candidate`s, for one needs profile and one viewer.

SQL narrows the rows of the match index (`MatchEntry`, a read model of the directory) with
the same hard rules the engine applies (a declared rule the need conflicts with excludes;
an undeclared one never does) and, with a distance limit, a bounding box; the engine then
decides exactly. So the SQL may let through more than the engine keeps, never less.
JSON-list rules (help types, genders, trafficking types) are narrowed in SQL on PostgreSQL
only; SQLite leaves them to the engine. Capacities are read live (the SQL ranking's
availability bucket from `MatchEntry.open_updated`, which triggers keep in the capacity
write's own transaction).

Points: a confidential location counts at its coarse point for anyone outside the owning
organization (the same rule as the directory's proximity search), so repeated searches
cannot triangulate it, and its distance is shown rounded.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from lantern.accounts.selectors import hsds_organization_ids_of
from lantern.core import geo
from lantern.core.sql import in_array_of
from lantern.directory.models import ServiceCapacity
from lantern.matching.engine import PREFERENCE_TAGS, Candidate, Capacity, Needs
from lantern.matching.models import MatchEntry, MatchPoint
from lantern.matching.ranking import (
    BAND_EDGE_LEVELS,
    NO_DISTANCE_BAND,
    OPENNESS_WEIGHT,
    RANK_DISTANCE_STEP_KM,
    distance_level,
    radius_applies,
)


def _declared_or(field: str, condition: Q) -> Q:
    return Q(**{f"{field}__isnull": True}) | condition


def _rule_entries(needs: Needs) -> QuerySet[MatchEntry]:
    """Index entries of active services that no declared rule excludes, before distance."""
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
    return qs


def _points_in_box(needs: Needs) -> QuerySet[MatchPoint] | None:
    """Exact and coarse points alike inside the search's bounding box (the engine measures
    to the one the viewer may use), or None without a distance limit."""
    point = needs.point
    if point is None or needs.max_distance_km is None:
        return None
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(point[0], point[1], needs.max_distance_km)
    return MatchPoint.objects.filter(
        latitude__range=(min_lat, max_lat), longitude__range=(min_lon, max_lon)
    )


def eligible_entries(needs: Needs) -> QuerySet[MatchEntry]:
    """Index entries of active services that no declared rule excludes (a superset of what
    the engine keeps)."""
    qs = _rule_entries(needs)
    near = _points_in_box(needs)
    if near is not None:
        # Services without a place on the map are never excluded by distance.
        qs = qs.filter(Q(placed=False) | Exists(near.filter(entry_id=OuterRef("pk"))))
    return qs


def _eligible_rows(needs: Needs, fields: tuple[str, ...]) -> QuerySet[Any]:
    """`eligible_entries(needs).values(*fields)`, in the form PostgreSQL answers fastest.

    With a distance limit, the places in the box and the services without a place are two
    branches of a UNION ALL (disjoint: `placed` splits them): the first is driven by the
    points' index (a few hundred points, not every entry of those help types; written as
    `= ANY(ARRAY(points))` so that the planner cannot turn it around when it misjudges how
    few entries the rules keep), the second by the partial GIN index of unplaced entries
    (migration 0007). As one `OR`, the planner
    had to test the box for each of ~33,000 entries of three help types at 100,000
    services (45-70 ms against 14-24 ms)."""
    near = _points_in_box(needs)
    if near is None:
        return eligible_entries(needs).values(*fields)
    rules = _rule_entries(needs)
    in_box = in_array_of(F("service_id"), near.values("entry_id"))
    placed = rules.filter(in_box, placed=True).values(*fields)
    return placed.union(rules.filter(placed=False).values(*fields), all=True)


# (service id, the entry's data, its capacities as JSON text or None when it has none)
Entry = tuple[Any, str, str | None]


def load_candidates(
    needs: Needs, user: Any, *, entries: list[Entry] | None = None
) -> list[Candidate]:
    """Candidates for a needs profile: one query on the match index, one for capacities.
    With `entries` (rows `ranked` already read, with their capacities, and chose, which
    passed the rules there), only those, and no query at all."""
    capacities: dict[Any, list[Capacity]] = defaultdict(list)
    if entries is not None:
        rows = [(service_id, data) for service_id, data, _ in entries]
        for service_id, _, caps in entries:
            for available, maximum, unit, updated in orjson.loads(caps or "[]"):
                capacities[service_id].append(
                    Capacity(available, maximum, unit, datetime.fromisoformat(updated))
                )
    else:
        rows = list(eligible_entries(needs).values_list("service_id", "payload__data"))
        for service_id, available, maximum, unit, updated in ServiceCapacity.objects.filter(
            service_id__in=[row[0] for row in rows]
        ).values_list("service_id", "available", "maximum", "unit__name", "updated"):
            capacities[service_id].append(Capacity(available, maximum, unit, updated))
    if not rows:
        return []
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


# --- Ranking in SQL (PostgreSQL) -------------------------------------------------------------

# Located searches: SQL orders by exact km where the engine orders by 0.1 km steps, so the
# engine re-ranks every row within this much of the last place it may keep.
_KM_MARGIN = 0.2
_EXTRA_ROWS = 60
_HAVERSINE = (
    "2 * {r} * asin(least(1.0, sqrt("
    "power(sin((radians(v.lat) - radians(%s)) / 2), 2)"
    " + cos(radians(%s)) * cos(radians(v.lat)) * power(sin(radians(v.lon - %s) / 2), 2))))"
)


@dataclass(frozen=True)
class Ranked:
    total: int  # every service the engine keeps, counted in SQL
    # A set of services that provably holds the engine's best `limit`, in SQL's order, with
    # their data and capacities: ready for `load_candidates(entries=...)`.
    entries: list[Entry]

    @property
    def service_ids(self) -> list[Any]:
        return [row[0] for row in self.entries]


def _cutoff_sql(
    bands: Mapping[str, tuple[float, float]], index: int, now: datetime
) -> tuple[str, list[Any]]:
    """Per entry, the oldest `updated` still inside the band (fresh: index 0, stale: 1):
    the strictest band among its types, the default for untyped or unlisted types, exactly
    as `engine.freshness_bands`. Cut-offs are computed here, with the engine's timedeltas."""
    listed = sorted(code for code in bands if code != "default")
    parts = [
        "CASE WHEN jsonb_array_length(e.service_types) = 0"
        " OR NOT (e.service_types <@ %s::jsonb) THEN %s END"
    ]
    params: list[Any] = [
        orjson.dumps(listed).decode(),
        now - timedelta(hours=bands["default"][index]),
    ]
    for code in listed:
        parts.append("CASE WHEN e.service_types ? %s THEN %s END")
        params += [code, now - timedelta(hours=bands[code][index])]
    return f"GREATEST({', '.join(parts)})", params


def ranked(
    needs: Needs,
    user: Any,
    *,
    now: datetime,
    bands: Mapping[str, tuple[float, float]],
    limit: int,
    travel_radius_km: float | None = None,
) -> Ranked | None:
    """The total and a small candidate set for the best `limit`, ranked in SQL by the
    engine's own order (`ranking`: travel radius, tier, availability bucket, distance, first
    language, preferences, name, id), or None where only the engine can rank (SQLite).

    Buckets come from each entry's newest open capacity (`open_updated`, kept by triggers
    in the writing transaction) and the same freshness cut-offs; distances from the
    points this viewer may use (coarse for a confidential location outside their
    organization), with the engine's haversine; the hard rules are `eligible_entries`."""
    if connection.vendor != "postgresql" or limit <= 0:
        return None
    base_sql, base_params = _eligible_rows(
        needs,
        (
            "service_id",
            "name",
            "name_key",
            "service_types",
            "languages",
            "tags",
            "points",
            "open_updated",
        ),
    ).query.sql_with_params()
    params: list[Any] = list(base_params)
    point = needs.point
    if point is not None:
        member_of = sorted(hsds_organization_ids_of(user))
        haversine = _HAVERSINE.format(r=repr(geo.EARTH_RADIUS_KM))
        # Most entries have one point: read it in place (no set-returning function per row);
        # the few with several take the minimum over all of them.
        km_sql = (
            "CASE jsonb_array_length(e.points) WHEN 0 THEN NULL::float8"  # noqa: S608
            f" WHEN 1 THEN (SELECT {haversine} FROM (SELECT"
            " CASE WHEN h.hidden THEN (e.points->0->>2)::float8"
            " ELSE (e.points->0->>0)::float8 END AS lat,"
            " CASE WHEN h.hidden THEN (e.points->0->>3)::float8"
            " ELSE (e.points->0->>1)::float8 END AS lon"
            " FROM (SELECT coalesce((e.points->0->>4)::boolean, false)"
            " AND NOT coalesce((e.points->0->>5) = ANY(%s::text[]), false) AS hidden) AS h) AS v)"
            f" ELSE (SELECT min({haversine}) FROM (SELECT"
            " CASE WHEN h.hidden THEN (p->>2)::float8 ELSE (p->>0)::float8 END AS lat,"
            " CASE WHEN h.hidden THEN (p->>3)::float8 ELSE (p->>1)::float8 END AS lon"
            " FROM jsonb_array_elements(e.points) AS p,"
            " LATERAL (SELECT coalesce((p->>4)::boolean, false)"
            " AND NOT coalesce((p->>5) = ANY(%s::text[]), false) AS hidden) AS h) AS v"
            " WHERE v.lat IS NOT NULL AND v.lon IS NOT NULL) END"
        )
        km_params: list[Any] = [point[0], point[0], point[1], member_of] * 2
    else:
        km_sql, km_params = "NULL::float8", []
    fresh_sql, fresh_params = _cutoff_sql(bands, 0, now)
    stale_sql, stale_params = _cutoff_sql(bands, 1, now)
    # The bucket from the newest open capacity (see `triggers`): fresh and open, aging and
    # open, or anything else; the engine's rule over the live capacities.
    bucket_sql = (
        "CASE WHEN e.open_updated > f.fresh THEN 0 WHEN e.open_updated >= f.stale THEN 1 ELSE 2 END"
    )
    languages = list(dict.fromkeys(needs.languages or ()))
    if languages:
        lang_sql = (
            "CASE "
            + " ".join(f"WHEN e.languages ? %s THEN {i}" for i in range(len(languages)))
            + f" ELSE {len(languages)} END"
        )
    else:
        lang_sql = "0"
    preferences = sorted(needs.preferences & PREFERENCE_TAGS.keys())
    pref_sql = " + ".join("(CASE WHEN e.tags ? %s THEN 0 ELSE 1 END)" for _ in preferences) or "0"
    where = []
    where_params: list[Any] = []
    if point is not None and needs.max_distance_km is not None:
        where.append("(s.km IS NULL OR s.km <= %s)")
        where_params.append(needs.max_distance_km)
    if point is not None and needs.away_from_km is not None:
        where.append("(s.km IS NULL OR s.km >= %s)")
        where_params.append(needs.away_from_km)
    if needs.only_open:
        where.append("s.bucket = 0")
    # Fixed fragments and Django's compiled SQL only; every value travels as a parameter.
    order = (
        's.outside, s.tier, s.bucket, s.km NULLS LAST, s.lang, s.pref, s.name_key COLLATE "C",'
        ' s.name COLLATE "C", s.service_id'
    )
    order_t = order.replace("s.", "t.")
    # The engine's tier and radius (see `ranking`), from the distance in rank steps: the
    # same integer levels the engine compares, so a band's edge falls where it does there.
    weight_sql = (
        f"(CASE r.bucket WHEN 0 THEN {OPENNESS_WEIGHT[0]} WHEN 1 THEN {OPENNESS_WEIGHT[1]}"
        f" ELSE {OPENNESS_WEIGHT[2]} END)"
    )
    tier_params: list[Any] = []
    if point is not None and needs.away_from_km is None:
        band_sql = (
            f"(CASE WHEN l.level IS NULL THEN {NO_DISTANCE_BAND} ELSE "
            + " + ".join("(l.level > %s)::int" for _ in BAND_EDGE_LEVELS)
            + " END)"
        )
        tier_params += list(BAND_EDGE_LEVELS)
    else:
        band_sql = "0"
    if travel_radius_km is not None and radius_applies(needs, travel_radius_km):
        outside_sql = "coalesce(l.level > %s, false)"
        tier_params.insert(0, distance_level(travel_radius_km))
    else:
        outside_sql = "false"
    # `r` is MATERIALIZED: inlined, every use of `km` in the tier below would repeat the
    # haversine subplans (six times; twice as slow at 10,000 services).
    head = (
        f"WITH e AS ({base_sql}), r AS MATERIALIZED ("  # noqa: S608
        f" SELECT e.service_id, e.name, e.name_key, {km_sql} AS km, {bucket_sql} AS bucket,"
        f" {lang_sql} AS lang, {pref_sql} AS pref"
        f" FROM e, LATERAL (SELECT {fresh_sql} AS fresh, {stale_sql} AS stale) AS f),"
        f" s AS (SELECT r.*, {outside_sql} AS outside, {weight_sql} + {band_sql} AS tier"
        # NULL without a distance (least() would skip a NULL); no distance on Earth reaches
        # the engine's cap on levels, so none is needed here.
        " FROM r, LATERAL (SELECT floor(r.km / %s::float8 + 0.5)::int AS level) AS l)"
        " SELECT t.service_id, t.km, t.bucket, t.total, d.data,"
        # The kept rows' capacities come along (one query a search, not two).
        " (SELECT json_agg(json_build_array(c.available, c.maximum, u.name, c.updated))::text"
        " FROM service_capacity AS c JOIN unit AS u ON u.id = c.unit_id"
        " WHERE c.service_id = t.service_id), t.outside, t.tier FROM ("
        " SELECT s.*, count(*) OVER () AS total FROM s"
    )
    # The wide data is read for the few rows kept only (see MatchData).
    tail = (
        f" ORDER BY {order} LIMIT %s) AS t"
        f" JOIN match_data AS d ON d.entry_id = t.service_id ORDER BY {order_t}"
    )
    params += km_params + languages + preferences + fresh_params + stale_params
    params += [*tier_params, RANK_DISTANCE_STEP_KM]

    def fetch(conditions: list[str], values: list[Any], rows_at_most: int | None) -> list[Any]:
        sql = head + (f" WHERE {' AND '.join(conditions)}" if conditions else "") + tail
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *values, rows_at_most])
            return cursor.fetchall()

    rows = fetch(where, where_params, limit + _EXTRA_ROWS)
    if not rows:
        return Ranked(total=0, entries=[])
    total = rows[0][3]
    if point is None:
        # Without a distance SQL orders exactly as the engine does.
        return Ranked(total=total, entries=[(row[0], row[4], row[5]) for row in rows[:limit]])
    if len(rows) == total:
        return Ranked(total=total, entries=[(row[0], row[4], row[5]) for row in rows])
    last_kept = rows[min(limit, len(rows)) - 1]
    if last_kept[1] is None:
        # The boundary is a service without a distance: those SQL orders exactly.
        return Ranked(total=total, entries=[(row[0], row[4], row[5]) for row in rows[:limit]])
    # (radius side, tier, bucket) decide first in both orders; within the last kept row's
    # group the engine compares 0.1 km steps where SQL compares exact km.
    group = (last_kept[6], last_kept[7], last_kept[2])
    reach = last_kept[1] + _KM_MARGIN

    def within(row: Any) -> bool:
        own = (row[6], row[7], row[2])
        return own < group or (own == group and row[1] is not None and row[1] <= reach)

    if within(rows[-1]):
        # A tie wider than the rows fetched (many services at one place, e.g. a postcode's
        # centre): fetch every row within reach, not the whole directory into the engine.
        bound = (
            "((s.outside, s.tier, s.bucket) < (%s, %s, %s)"
            " OR ((s.outside, s.tier, s.bucket) = (%s, %s, %s) AND s.km <= %s))"
        )
        rows = fetch([*where, bound], [*where_params, *group, *group, reach], None)
    return Ranked(total=total, entries=[(row[0], row[4], row[5]) for row in rows if within(row)])
