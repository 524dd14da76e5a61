"""Eligibility: which services a stated need excludes, and the availability to report.

Every field of `Needs` is optional and every rule of a `Candidate` may be undeclared (None).
A stated need excludes a service only when it conflicts with a declared rule (see
`excluded_by`); an unstated need or an undeclared rule never excludes. Some values count as
"not stated" because they ask for nothing: an empty `help_types` or `trafficking_types`,
`children=0`, `pets=False`, `needs_wheelchair_access=False`, `active_substance_use=False`,
`has_id_documents=True`, and a location with only one of latitude and longitude. A declared
but empty `genders_served` or `trafficking_types_served` is a declared rule that serves
nobody, exactly as the loader's SQL reads it.

Distance. A service is at the distance of its nearest point; for a confidential location the
caller passes the coarse point. The distance filters use that distance as computed (as the
loader's SQL does). Virtual services (and services whose locations have no coordinates)
have no distance and are never excluded by distance.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from lantern.core.geo import haversine_km
from lantern.matching.engine import (
    FRESH,
    FULL,
    OPEN,
    PREFERENCE_TAGS,
    STALE,
    UNKNOWN,
    Availability,
    Band,
    Candidate,
    Capacity,
    FreshnessPolicy,
    Needs,
    freshness_of,
)

_NO_CAPACITY = Availability(status=UNKNOWN, available=None, updated=None, freshness=None)


def _availability(
    capacities: tuple[Capacity, ...], now: datetime, fresh_below: timedelta, stale_after: timedelta
) -> Availability:
    """The capacity to report: fresh and open first (most places, then most recent), then
    aging and open, then the most recent full one, then the most recent stale one."""
    if not capacities:
        return _NO_CAPACITY
    best: Capacity = capacities[0]
    best_band: Band = STALE
    best_key = (4, 0, 0.0, "")  # worse than any real capacity
    for cap in capacities:
        band = freshness_of(now - cap.updated, fresh_below, stale_after)
        if band == STALE:
            rank, places = 3, 0
        elif cap.available > 0:
            rank, places = (0 if band == FRESH else 1), cap.available
        else:
            rank, places = 2, 0
        key = (rank, -places, -cap.updated.timestamp(), cap.unit)
        if key < best_key:
            best, best_key, best_band = cap, key, band
    rank = best_key[0]
    if rank < 2:
        return Availability(OPEN, best.available, best.updated, best_band, best.unit)
    if rank == 2:
        return Availability(FULL, 0, best.updated, best_band, best.unit)
    return Availability(UNKNOWN, None, best.updated, STALE, best.unit)


def availability_of(
    candidate: Candidate, *, now: datetime, freshness: FreshnessPolicy
) -> Availability:
    fresh_below, stale_after = freshness.bands_for(candidate.service_types)
    return _availability(candidate.capacities, now, fresh_below, stale_after)


# --- Eligibility ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prepared:
    """Needs reduced to what the rules read: "asks for nothing" values become None."""

    needs: Needs
    point: tuple[float, float] | None
    help_types: frozenset[str] | None
    trafficking_types: frozenset[str] | None
    languages: tuple[str, ...]
    preferences: frozenset[str]


def prepare(needs: Needs) -> Prepared:
    return Prepared(
        needs=needs,
        point=needs.point,
        help_types=needs.help_types or None,
        trafficking_types=needs.trafficking_types or None,
        # First mention wins: ("es", "en", "es") ranks like ("es", "en").
        languages=tuple(dict.fromkeys(needs.languages or ())),
        preferences=needs.preferences & PREFERENCE_TAGS.keys(),
    )


def _rule_conflict(p: Prepared, c: Candidate) -> str | None:
    """The first declared rule a stated need conflicts with, apart from place and time."""
    n = p.needs
    if n.age is not None and (
        (c.minimum_age is not None and n.age < c.minimum_age)
        or (c.maximum_age is not None and n.age > c.maximum_age)
    ):
        return "age"
    if n.gender is not None and c.genders_served is not None and n.gender not in c.genders_served:
        return "gender"
    if n.children:
        if c.accepts_children is False:
            return "children"
        if c.max_children is not None and n.children > c.max_children:
            return "max_children"
    if n.pets and c.accepts_pets is False:
        return "pets"
    if (
        p.trafficking_types is not None
        and c.trafficking_types_served is not None
        and p.trafficking_types.isdisjoint(c.trafficking_types_served)
    ):
        return "trafficking_type"
    if n.needs_wheelchair_access and c.wheelchair_accessible is False:
        return "wheelchair"
    if n.active_substance_use and c.accepts_active_substance_use is False:
        return "substance_use"
    if n.has_id_documents is False and c.requires_id_documents is True:
        return "id_documents"
    if p.help_types is not None and p.help_types.isdisjoint(c.service_types):
        return "help_type"
    return None


def _nearest_km(point: tuple[float, float] | None, c: Candidate) -> float | None:
    if point is None or c.virtual or not c.points:
        return None
    lat, lon = point
    if len(c.points) == 1:
        (plat, plon) = c.points[0]
        return haversine_km(lat, lon, plat, plon)
    return min(haversine_km(lat, lon, plat, plon) for plat, plon in c.points)


def _distance_conflict(n: Needs, km: float | None) -> str | None:
    if km is None:
        return None
    if n.max_distance_km is not None and km > n.max_distance_km:
        return "max_distance"
    if n.away_from_km is not None and km < n.away_from_km:
        return "away_from"
    return None


def assess(
    p: Prepared,
    c: Candidate,
    now: datetime,
    bands: tuple[timedelta, timedelta],
) -> tuple[str | None, float | None, Availability]:
    """(exclusion code or None, distance in km, availability), cheapest rules first."""
    code = _rule_conflict(p, c)
    if code is not None:
        return code, None, _NO_CAPACITY
    km = _nearest_km(p.point, c)
    code = _distance_conflict(p.needs, km)
    if code is not None:
        return code, km, _NO_CAPACITY
    avail = _availability(c.capacities, now, bands[0], bands[1])
    if p.needs.only_open and avail.bucket != 0:
        return "not_open", km, avail
    return None, km, avail


def excluded_by(
    needs: Needs, candidate: Candidate, *, now: datetime, freshness: FreshnessPolicy
) -> str | None:
    """The code (see EXCLUSION_CODES) of the first hard rule that excludes the service, or
    None when it is eligible. `only_open` needs fresh open capacity; aging is not enough."""
    check_aware(now)
    bands = freshness.bands_for(candidate.service_types)
    return assess(prepare(needs), candidate, now, bands)[0]


def check_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
