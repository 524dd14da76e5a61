"""`match`: the eligible services (see `rules`), best first, each with its reasons.

Distance. The ranking uses the distance as computed (as the loader's SQL does, so its
order stays the engine's). Only the distance shown (`Match.distance_km` and the reason) is
rounded up to the next `confidential_step_km` for confidential services, so a shelter 300 m
from the person's point shows as 5 km, and a list may show "about 5 km" before "3.2 km".

Ranking. "How results are ranked" (docs/ranking.md) says the same in plain words. Each
service gets, from the person's location (if any) and its availability:

- an openness level, `Availability.bucket`: 0 fresh and open, 1 aging and open, 2 not known
  to be open (full, stale or no figure at all), with a weight of 0, 1 and 3
  (`OPENNESS_WEIGHT`): a place not known to be open counts as three distance bands farther;
- a distance band (`DISTANCE_BANDS_KM`): 0 up to 10 km, 1 up to 25, 2 up to 50, 3 up to 100,
  4 up to 200, 5 beyond (and a service without a distance, such as phone or online help);
  without a location, or with `away_from_km`, every service is in band 0;
- a distance level: the distance in steps of `RANK_DISTANCE_STEP_KM` (the precision a
  public distance is shown with; bands compare these levels, so a place shown at 10.0 km
  is "up to 10 km").

Services are then ordered by, in turn:

1. the travel radius (same-night needs only, see `radius_applies`): every service within
   `travel_radius_km` before every place beyond it ("farther away", `Match.farther_away`);
   services without a distance count as within;
2. the tier, openness weight + distance band: near and likely open first, so a shelter 5 km
   away with an aging figure (tier 1) beats one 480 km away that is open (tier 5), and an
   open one 15 km away (tier 1) ties with it;
3. the openness level (at one tier, the likelier open first);
4. the distance level, nearer first; services without a distance after every place;
5. language: a service that speaks the person's first language beats one that speaks only a
   later one, which beats one that speaks none of them;
6. the number of the person's known preference tags (`PREFERENCE_TAGS`) the service has;
7. name (case-insensitive, then exact), then service id, so ties break deterministically.

So a nearer service never ranks below a farther one that is as open and as fresh, and a
more open one never below a less open one at the same distance. With `away_from_km` (the
person asks to get away from the area) the order is today's: openness level, then distance
(every service left is already at least that far away, and the nearest of those is the
easiest to reach), with no radius and no bands.

`Match.score` encodes criteria 1-6 as a number in [0, 1]: results are sorted by descending
score, equal scores in name and id order. Scores compare results of one request only.
"""

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from lantern.core.geo import round_distance_km
from lantern.matching.engine import (
    OPEN,
    Availability,
    Candidate,
    FreshnessPolicy,
    Match,
    MatchResult,
    Needs,
    Reason,
)
from lantern.matching.reasons import reasons_for
from lantern.matching.rules import assess, check_aware, prepare

RANK_DISTANCE_STEP_KM = 0.1
# Half the Earth's circumference is about 20,015 km: no distance reaches this many steps.
_MAX_DISTANCE_LEVEL = 200_200
_NO_DISTANCE_LEVEL = _MAX_DISTANCE_LEVEL + 1
_DISTANCE_RADIX = _MAX_DISTANCE_LEVEL + 2

# Upper edges of the distance bands, in km (a place at the edge is in the nearer band).
DISTANCE_BANDS_KM = (10, 25, 50, 100, 200)
BAND_EDGE_LEVELS = tuple(round(km / RANK_DISTANCE_STEP_KM) for km in DISTANCE_BANDS_KM)
NO_DISTANCE_BAND = len(DISTANCE_BANDS_KM)
# Per openness level (fresh open, aging open, not known to be open): bands it counts as.
OPENNESS_WEIGHT = (0, 1, 3)
_TIER_RADIX = OPENNESS_WEIGHT[-1] + NO_DISTANCE_BAND + 1
# Help types that mean "tonight": for these the travel radius is a ranking boundary.
SAME_NIGHT_TYPES = frozenset({"emergency-shelter"})


def distance_level(km: float) -> int:
    """The distance in rank steps (the loader's SQL computes the same)."""
    return min(int(km / RANK_DISTANCE_STEP_KM + 0.5), _MAX_DISTANCE_LEVEL)


def distance_band(level: int) -> int:
    return sum(level > edge for edge in BAND_EDGE_LEVELS)


def radius_applies(needs: Needs, travel_radius_km: float | None) -> bool:
    """The travel radius is a ranking boundary for a same-night need (a safe place
    tonight) of a person who gave a location and did not ask to get away from the area.
    Other needs (a longer program, a lawyer, counseling) are often worth a journey, so
    there the bands alone favour near places and nothing is pushed behind a boundary."""
    return (
        travel_radius_km is not None
        and needs.point is not None
        and needs.away_from_km is None
        and bool(needs.help_types and needs.help_types & SAME_NIGHT_TYPES)
    )


# Other orders a person may ask for, over every eligible service (not just the best page);
# ties keep the best-match order. Distances are compared as shown (rounded up for a
# confidential place), so the order reveals no more than the page does.
ORDERS = ("best", "distance", "open", "updated", "name")


def _order_key(order: str, step_km: float) -> Any:
    def shown_km(c: Candidate, km: float | None) -> float | None:
        return round_distance_km(km, step_km) if km is not None and c.confidential else km

    if order == "distance":
        return lambda c, km, avail: (km is None, shown_km(c, km) or 0.0)
    if order == "open":
        return lambda c, km, avail: -(avail.available or 0) if avail.status == OPEN else 1
    if order == "updated":
        return lambda c, km, avail: (
            avail.updated is None,
            -avail.updated.timestamp() if avail.updated is not None else 0.0,
        )
    if order == "name":
        return lambda c, km, avail: c.name.casefold()
    raise ValueError(f"order must be one of {', '.join(ORDERS)}")


def match(
    needs: Needs,
    candidates: Iterable[Candidate],
    *,
    now: datetime,
    freshness: FreshnessPolicy,
    limit: int = 20,
    confidential_step_km: float = 5.0,
    order: str = "best",
    travel_radius_km: float | None = None,
) -> MatchResult:
    """The eligible services, best first (see the module docstring for the order), or in
    another `order` (`ORDERS`) with ties in best order, at most `limit` of them, each with
    its reasons; `total` counts every eligible service. `travel_radius_km` (None: no
    radius) is the boundary of `radius_applies`."""
    check_aware(now)
    key_of = None if order == "best" else _order_key(order, confidential_step_km)
    if limit < 0:
        raise ValueError("limit must be zero or more")
    if not confidential_step_km > 0:
        raise ValueError("confidential_step_km must be more than zero")
    if travel_radius_km is not None and not (
        math.isfinite(travel_radius_km) and travel_radius_km > 0
    ):
        raise ValueError("travel_radius_km must be more than zero")

    p = prepare(needs)
    located = p.point is not None
    banded = located and needs.away_from_km is None
    radius_level = (
        distance_level(travel_radius_km)
        if travel_radius_km is not None and radius_applies(needs, travel_radius_km)
        else None
    )
    language_radix = len(p.languages) + 1
    preference_radix = len(p.preferences) + 1
    top = 2 * _TIER_RADIX * 3 * _DISTANCE_RADIX * language_radix * preference_radix - 1
    band_cache: dict[frozenset[str], tuple[timedelta, timedelta]] = {}

    ranked: list[tuple[tuple[int, str, str, str], Candidate, float | None, Availability, bool]]
    ranked = []
    for c in candidates:
        bands = band_cache.get(c.service_types)
        if bands is None:
            bands = band_cache[c.service_types] = freshness.bands_for(c.service_types)
        code, km, avail = assess(p, c, now, bands)
        if code is not None:
            continue

        if not located:
            level = 0
        elif km is None:
            level = _NO_DISTANCE_LEVEL
        else:
            level = distance_level(km)
        band = 0
        if banded:
            band = NO_DISTANCE_BAND if km is None else distance_band(level)
        farther = radius_level is not None and km is not None and level > radius_level
        bucket = avail.bucket
        language_rank = len(p.languages)
        for i, language in enumerate(p.languages):
            if language in c.languages:
                language_rank = i
                break
        preferences_missing = len(p.preferences - c.tags) if p.preferences else 0
        position = (
            (
                ((int(farther) * _TIER_RADIX + OPENNESS_WEIGHT[bucket] + band) * 3 + bucket)
                * _DISTANCE_RADIX
                + level
            )
            * language_radix
            + language_rank
        ) * preference_radix + preferences_missing
        key = (position, c.name.casefold(), c.name, c.service_id)
        ranked.append((key, c, km, avail, farther))

    ranked.sort(key=itemgetter(0))
    if key_of is not None:
        ranked.sort(key=lambda row: key_of(row[1], row[2], row[3]))  # stable: ties stay best
    matches = []
    for key, c, km, avail, farther in ranked[:limit]:
        shown = km
        if km is not None and c.confidential:
            shown = round_distance_km(km, confidential_step_km)
        reasons = reasons_for(p, c, shown, avail, now)
        if farther:
            reasons = (*reasons, Reason("farther_away", {"radius_km": travel_radius_km}))
        matches.append(
            Match(
                candidate=c,
                score=(top - key[0]) / top,
                reasons=reasons,
                distance_km=shown,
                availability=avail,
                farther_away=farther,
            )
        )
    return MatchResult(total=len(ranked), matches=tuple(matches))
