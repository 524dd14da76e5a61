"""Properties of the matching engine over generated needs and services.

The hard rules are re-stated here, one by one, instead of calling `excluded_by`, so the
tests check the engine against the rules as written rather than against itself.
"""

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lantern.core.geo import haversine_km
from lantern.matching.engine import (
    GENDERS,
    PREFERENCE_TAGS,
    TRAFFICKING_TYPES,
    Candidate,
    Capacity,
    FreshnessPolicy,
    Match,
    MatchResult,
    Needs,
)
from lantern.matching.ranking import match

NOW = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
TABLE = {"default": (2.0, 8.0), "hotline": (1.0, 4.0), "residential-program": (24.0, 72.0)}
POLICY = FreshnessPolicy(TABLE)
STEP_KM = 5.0
# A few types, so that requested and offered help overlap often; two of them have their own
# freshness band.
TYPES = ("emergency-shelter", "residential-program", "legal", "hotline")
LANGUAGES = ("en", "es", "zh", "vi", "ar")
NAMES = ("Harbor House", "harbor house", "Safe Haven", "Beacon", "Open Door")
UNITS = ("bed", "line", "appointment")
# Capacity ages: on and either side of every band edge (1, 2, 4, 8, 24 and 72 hours), a few
# in between, and two in the future (clock skew).
AGES_MINUTES = tuple(
    sorted(
        {-3, 0, 10, 90, 200, 300, 1000, 3000, 5000}
        | {hours * 60 + d for hours in (1, 2, 4, 8, 24, 72) for d in (-1, 0, 1)}
    )
)

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def maybe(strategy):
    return st.none() | strategy


def choice(*values):
    """One draw from a short list; it shrinks toward the first value."""
    return st.sampled_from(values)


def subsets(vocabulary, *, optional: bool = False, max_size: int | None = None):
    """Any subset of a small vocabulary in one draw (None first when optional): far cheaper
    to generate than st.frozensets, and it shrinks toward "not stated"."""
    sizes = range(len(vocabulary) + 1 if max_size is None else max_size + 1)
    found = [frozenset(c) for size in sizes for c in itertools.combinations(vocabulary, size)]
    return choice(*([None] if optional else []), *found)


def rarely(strategy):
    """None three times in four: a case with every need stated matches almost nothing, and
    then the properties have nothing to check."""
    return st.one_of(st.none(), st.none(), st.none(), strategy)


# Strategies are built once, at import, and draw as little as they can: generating cases is
# what costs time here, not matching them.


def _degrees(lat_milli: int, lon_milli: int) -> tuple[float, float]:
    return (lat_milli / 1000, lon_milli / 1000)


# Continental US, mostly within one region so that distance filters keep some services.
# Whole thousandths of a degree (about 100 m): integers shrink far faster than floats.
region = st.builds(_degrees, st.integers(38_000, 41_000), st.integers(-77_000, -73_000))
points = st.one_of(
    region,
    region,
    region,
    st.builds(_degrees, st.integers(25_000, 49_000), st.integers(-124_000, -67_000)),
)
# Kilometres, in tenths.
kilometres = st.one_of(st.integers(0, 3_000), st.integers(0, 30_000)).map(lambda d: d / 10)
optional_bool = choice(None, False, True)
# No location, a whole one, or half of one (which is no location either).
# (`builds` keeps the points one branch: st.one_of would merge their own branches in.)
locations = st.one_of(choice((None, None), (40.0, None), (None, -90.0)), st.builds(tuple, points))


def _needs(location, **fields) -> Needs:
    latitude, longitude = location
    return Needs(latitude=latitude, longitude=longitude, **fields)


needs_strategy = st.builds(
    _needs,
    location=locations,
    max_distance_km=rarely(kilometres),
    away_from_km=rarely(kilometres),
    help_types=rarely(subsets(TYPES, max_size=3)),
    age=rarely(choice(*range(91))),
    gender=rarely(choice(*GENDERS)),
    children=rarely(choice(*range(5))),
    pets=rarely(st.booleans()),
    trafficking_types=rarely(subsets(TRAFFICKING_TYPES)),
    needs_wheelchair_access=rarely(st.booleans()),
    active_substance_use=rarely(st.booleans()),
    has_id_documents=rarely(st.booleans()),
    languages=choice(
        None,
        *(p for size in range(4) for p in itertools.permutations(LANGUAGES[:4], size)),
    ),
    only_open=choice(False, False, True),
    preferences=subsets((*list(PREFERENCE_TAGS)[:4], "no-such-tag"), max_size=3),
)

capacities = st.builds(
    Capacity,
    available=choice(0, 1, 2, 3),
    maximum=choice(None, 0, 5, 10),
    unit=choice(*UNITS),
    updated=choice(*AGES_MINUTES).map(lambda minutes: NOW - timedelta(minutes=minutes)),
)
# Virtual, or physical with up to three points (none: a place without coordinates).
places = st.one_of(
    st.just((True, ())),
    st.tuples(st.just(False), st.lists(points, max_size=3).map(tuple)),
)


def _candidate(place, **fields) -> Candidate:
    virtual, where = place
    return Candidate(service_id="", virtual=virtual, points=where, **fields)


candidate_strategy = st.builds(
    _candidate,
    place=places,
    name=choice(*NAMES),
    service_types=subsets(TYPES, max_size=3),
    minimum_age=choice(None, None, *range(0, 31, 3)),
    maximum_age=choice(None, None, *range(12, 81, 4)),
    genders_served=subsets(GENDERS, optional=True),
    accepts_children=optional_bool,
    max_children=choice(None, *range(5)),
    accepts_pets=optional_bool,
    trafficking_types_served=subsets(TRAFFICKING_TYPES, optional=True),
    wheelchair_accessible=optional_bool,
    accepts_active_substance_use=optional_bool,
    requires_id_documents=optional_bool,
    languages=subsets(LANGUAGES, max_size=3),
    tags=subsets((*list(PREFERENCE_TAGS)[:4], "other-tag"), max_size=3),
    capacities=st.lists(capacities, max_size=3).map(tuple),
    confidential=st.booleans(),
)


def _numbered(candidates: list[Candidate], copies: list[int]) -> list[Candidate]:
    """Unique ids in generation order; some services twice under another id, so that ties
    on everything but the id happen often."""
    if candidates:
        candidates = candidates + [candidates[i % len(candidates)] for i in copies]
    return [replace(c, service_id=f"svc-{i:02d}") for i, c in enumerate(candidates)]


candidates_strategy = st.builds(
    _numbered,
    st.lists(candidate_strategy, max_size=8),
    st.lists(st.integers(0, 7), max_size=2),
)
limits = choice(0, 1, 2, 3, 4, 6, 50)


def run(needs: Needs, candidates, limit: int = 1000) -> MatchResult:
    return match(
        needs, candidates, now=NOW, freshness=POLICY, limit=limit, confidential_step_km=STEP_KM
    )


# --- The rules, restated -------------------------------------------------------------------


def fresh_open(c: Candidate) -> bool:
    hours = [TABLE.get(t, TABLE["default"])[0] for t in c.service_types] or [TABLE["default"][0]]
    fresh_below = timedelta(hours=min(hours))
    return any(cap.available > 0 and NOW - cap.updated < fresh_below for cap in c.capacities)


def distance(needs: Needs, c: Candidate) -> float | None:
    if needs.latitude is None or needs.longitude is None or c.virtual or not c.points:
        return None
    return min(haversine_km(needs.latitude, needs.longitude, lat, lon) for lat, lon in c.points)


def violations(needs: Needs, c: Candidate) -> list[str]:
    found = []
    if needs.age is not None and c.minimum_age is not None and needs.age < c.minimum_age:
        found.append("younger than the minimum age")
    if needs.age is not None and c.maximum_age is not None and needs.age > c.maximum_age:
        found.append("older than the maximum age")
    if (
        needs.gender is not None
        and c.genders_served is not None
        and needs.gender not in c.genders_served
    ):
        found.append("gender not served")
    if needs.children is not None and needs.children > 0:
        if c.accepts_children is False:
            found.append("children not accepted")
        if c.max_children is not None and needs.children > c.max_children:
            found.append("more children than accepted")
    if needs.pets is True and c.accepts_pets is False:
        found.append("pets not accepted")
    if (
        needs.trafficking_types
        and c.trafficking_types_served is not None
        and not needs.trafficking_types & c.trafficking_types_served
    ):
        found.append("trafficking type not served")
    if needs.needs_wheelchair_access is True and c.wheelchair_accessible is False:
        found.append("no wheelchair access")
    if needs.active_substance_use is True and c.accepts_active_substance_use is False:
        found.append("substance use not accepted")
    if needs.has_id_documents is False and c.requires_id_documents is True:
        found.append("ID documents required")
    if needs.help_types and not needs.help_types & c.service_types:
        found.append("help type not offered")
    km = distance(needs, c)
    if km is not None and needs.max_distance_km is not None and km > needs.max_distance_km:
        found.append("too far")
    if km is not None and needs.away_from_km is not None and km < needs.away_from_km:
        found.append("too near")
    if needs.only_open and not fresh_open(c):
        found.append("not open now")
    return found


def eligible(needs: Needs, candidates) -> list[Candidate]:
    return [c for c in candidates if not violations(needs, c)]


def ids(result: MatchResult) -> list[str]:
    return [m.candidate.service_id for m in result.matches]


def fresh_and_open(m: Match) -> bool:
    return m.availability.status == "open" and m.availability.freshness == "fresh"


# --- Properties ----------------------------------------------------------------------------
# Each test checks several properties of one generated case: generating cases is what
# costs time here, not matching them.


@PROPERTY_SETTINGS
@given(needs=needs_strategy, candidates=candidates_strategy, limit=limits)
def test_results_keep_every_stated_hard_constraint_and_total_counts_the_eligible(
    needs, candidates, limit
):
    expected = {c.service_id for c in eligible(needs, candidates)}
    result = run(needs, candidates, limit)
    for m in result.matches:
        assert violations(needs, m.candidate) == [], m.candidate
    assert result.total == len(expected)
    assert len(result.matches) == min(limit, result.total)
    assert set(ids(run(needs, candidates))) == expected


@PROPERTY_SETTINGS
@given(needs=needs_strategy, candidates=candidates_strategy, limit=limits)
def test_fresh_open_services_are_all_returned_up_to_the_limit_and_come_first(
    needs, candidates, limit
):
    # Without a distance to weigh (no location, or "away from here"), openness alone
    # decides first; with one, distance and openness weigh together (test_ranking_properties).
    if needs.point is not None and needs.away_from_km is None:
        needs = replace(needs, latitude=None, longitude=None)
    matches = run(needs, candidates, limit).matches
    returned = [m.candidate.service_id for m in matches]
    wanted = {c.service_id for c in eligible(needs, candidates) if fresh_open(c)}
    if len(wanted) <= limit:
        assert wanted <= set(returned)
    else:
        assert set(returned) <= wanted

    flags = [fresh_open(m.candidate) for m in matches]
    assert flags == sorted(flags, reverse=True)
    assert flags == [fresh_and_open(m) for m in matches]
    buckets = [m.availability.bucket for m in matches]
    assert buckets == sorted(buckets)
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    for m in matches:
        assert m.reasons[0].code in ("open", "aging", "full", "unknown_availability")
        assert (m.reasons[0].code == "open") == fresh_and_open(m)


# Needs about place only, so that the distance rules decide most cases.
located_needs = st.builds(
    _needs,
    location=st.builds(tuple, points),
    max_distance_km=maybe(kilometres),
    away_from_km=rarely(kilometres),
    languages=choice(None, ("es",), ("en", "es")),
)


@PROPERTY_SETTINGS
@given(
    needs=located_needs,
    candidates=candidates_strategy,
    limit=limits,
    edge=st.tuples(st.integers(0, 7), choice(None, "max", "away"), choice(-0.5, -0.01, 0.01, 0.5)),
)
def test_distance_rules_and_the_distances_shown(needs, candidates, limit, edge):
    # Sometimes put a filter's edge right next to a service, where off-by-one rules fail.
    index, which, delta = edge
    near = distance(needs, candidates[index % len(candidates)]) if candidates else None
    if near is not None and which is not None:
        km = max(0.0, near + delta)
        needs = replace(needs, **{"max_distance_km" if which == "max" else "away_from_km": km})

    expected = {c.service_id for c in eligible(needs, candidates)}
    result = run(needs, candidates, limit)
    assert result.total == len(expected)
    for m in result.matches:
        assert violations(needs, m.candidate) == [], m.candidate
        km = distance(needs, m.candidate)
        codes = [r.code for r in m.reasons]
        if km is None:
            assert m.distance_km is None
            assert "distance" not in codes and "distance_away" not in codes
            assert ("virtual" in codes) == m.candidate.virtual
        elif m.candidate.confidential:
            steps = m.distance_km / STEP_KM
            assert steps >= 1 and steps == int(steps)
            assert km <= m.distance_km < km + STEP_KM or m.distance_km == STEP_KM
        else:
            assert m.distance_km == km
    # Within a bucket, places come nearest first and before services with no distance.
    for bucket in (0, 1, 2):
        same = [m for m in result.matches if m.availability.bucket == bucket]
        shown = [distance(needs, m.candidate) for m in same]
        placed = [km for km in shown if km is not None]
        assert shown[: len(placed)] == placed
        assert all(b - a > -0.1 for a, b in itertools.pairwise(placed))


@PROPERTY_SETTINGS
@given(
    needs=needs_strategy,
    candidates=candidates_strategy,
    limit=limits,
    order=st.randoms(use_true_random=False),
)
def test_results_are_deterministic_and_independent_of_input_order(needs, candidates, limit, order):
    first = run(needs, candidates, limit)
    assert run(needs, candidates, limit) == first
    shuffled = list(candidates)
    order.shuffle(shuffled)
    assert run(needs, iter(shuffled), limit) == first


def _ask_for_nothing(needs: Needs) -> Needs:
    """Fill every unstated field with a value that asks for nothing."""
    filled = {
        "help_types": frozenset(),
        "trafficking_types": frozenset(),
        "children": 0,
        "pets": False,
        "needs_wheelchair_access": False,
        "active_substance_use": False,
        "has_id_documents": True,
        "languages": (),
    }
    changes = {name: value for name, value in filled.items() if getattr(needs, name) is None}
    # Half a location is no location.
    if needs.latitude is None and needs.longitude is None:
        changes["latitude"] = 45.0
    return replace(
        needs, **changes, preferences=needs.preferences | {"no-such-tag", "another-unknown-tag"}
    )


OPTIONAL_FIELDS = (
    "latitude",
    "longitude",
    "max_distance_km",
    "away_from_km",
    "help_types",
    "age",
    "gender",
    "children",
    "pets",
    "trafficking_types",
    "needs_wheelchair_access",
    "active_substance_use",
    "has_id_documents",
    "languages",
)


@PROPERTY_SETTINGS
@given(
    needs=needs_strategy,
    candidates=candidates_strategy,
    limit=limits,
    name=st.sampled_from(OPTIONAL_FIELDS),
)
def test_unstated_needs_never_exclude(needs, candidates, limit, name):
    # Nothing stated: every service is eligible.
    everything = run(Needs(), candidates)
    assert everything.total == len(candidates)
    assert sorted(ids(everything)) == sorted(c.service_id for c in candidates)
    # Adding needs that ask for nothing changes nothing, not even the order or the reasons.
    assert run(_ask_for_nothing(needs), candidates, limit) == run(needs, candidates, limit)
    # Taking a stated need back never removes a service.
    stated = set(ids(run(needs, candidates)))
    unstated = set(ids(run(replace(needs, **{name: None}), candidates)))
    assert stated <= unstated
