"""`match`: the eligible services (see `rules`), best first, each with its reasons.

Distance. The ranking uses the distance as computed (as the loader's SQL does, so its
order stays the engine's). Only the distance shown (`Match.distance_km` and the reason) is
rounded up to the next `confidential_step_km` for confidential services, so a shelter 300 m
from the person's point shows as 5 km, and a list may show "about 5 km" before "3.2 km".

Ranking. Services that remain are ordered by, in turn:

1. availability bucket: 0 fresh and open, 1 aging and open, 2 everything else (full,
   unknown, stale);
2. distance, when the person gave a location: nearer first, compared in steps of
   `RANK_DISTANCE_STEP_KM` (the precision a public distance is shown with), so services at
   the same distance to the nearest tenth of a km fall through to the next criterion. With
   `away_from_km` the order is the same: every service left is already at least that far
   away, and the nearest of those is the easiest to reach. Virtual services come after every
   service with a distance in the same bucket: a person who gives a location is looking for
   a place, and phone or online help is still listed, just after the places;
3. language: a service that speaks the person's first language beats one that speaks only a
   later one, which beats one that speaks none of them;
4. the number of the person's known preference tags (`PREFERENCE_TAGS`) the service has;
5. name (case-insensitive, then exact), then service id, so ties break deterministically.

`Match.score` encodes criteria 1-4 as a number in [0, 1]: results are sorted by descending
score, equal scores in name and id order. Scores compare results of one request only.
"""

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
)
from lantern.matching.reasons import reasons_for
from lantern.matching.rules import assess, check_aware, prepare

RANK_DISTANCE_STEP_KM = 0.1
# Half the Earth's circumference is about 20,015 km: no distance reaches this many steps.
_MAX_DISTANCE_LEVEL = 200_200
_NO_DISTANCE_LEVEL = _MAX_DISTANCE_LEVEL + 1
_DISTANCE_RADIX = _MAX_DISTANCE_LEVEL + 2


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
) -> MatchResult:
    """The eligible services, best first (see the module docstring for the order), or in
    another `order` (`ORDERS`) with ties in best order, at most `limit` of them, each with
    its reasons; `total` counts every eligible service."""
    check_aware(now)
    key_of = None if order == "best" else _order_key(order, confidential_step_km)
    if limit < 0:
        raise ValueError("limit must be zero or more")
    if not confidential_step_km > 0:
        raise ValueError("confidential_step_km must be more than zero")

    p = prepare(needs)
    located = p.point is not None
    language_radix = len(p.languages) + 1
    preference_radix = len(p.preferences) + 1
    width = _DISTANCE_RADIX * language_radix * preference_radix
    top = 3 * width - 1
    band_cache: dict[frozenset[str], tuple[timedelta, timedelta]] = {}

    ranked: list[tuple[tuple[int, str, str, str], Candidate, float | None, Availability]] = []
    for c in candidates:
        bands = band_cache.get(c.service_types)
        if bands is None:
            bands = band_cache[c.service_types] = freshness.bands_for(c.service_types)
        code, km, avail = assess(p, c, now, bands)
        if code is not None:
            continue

        if not located:
            distance_level = 0
        elif km is None:
            distance_level = _NO_DISTANCE_LEVEL
        else:
            distance_level = min(int(km / RANK_DISTANCE_STEP_KM + 0.5), _MAX_DISTANCE_LEVEL)
        language_rank = len(p.languages)
        for i, language in enumerate(p.languages):
            if language in c.languages:
                language_rank = i
                break
        preferences_missing = len(p.preferences - c.tags) if p.preferences else 0
        within = (
            distance_level * language_radix + language_rank
        ) * preference_radix + preferences_missing
        value = (2 - avail.bucket) * width + (width - 1 - within)
        ranked.append(((-value, c.name.casefold(), c.name, c.service_id), c, km, avail))

    ranked.sort(key=itemgetter(0))
    if key_of is not None:
        ranked.sort(key=lambda row: key_of(row[1], row[2], row[3]))  # stable: ties stay best
    matches = []
    for key, c, km, avail in ranked[:limit]:
        shown = km
        if km is not None and c.confidential:
            shown = round_distance_km(km, confidential_step_km)
        matches.append(
            Match(
                candidate=c,
                score=-key[0] / top,
                reasons=reasons_for(p, c, shown, avail, now),
                distance_km=shown,
                availability=avail,
            )
        )
    return MatchResult(total=len(ranked), matches=tuple(matches))
