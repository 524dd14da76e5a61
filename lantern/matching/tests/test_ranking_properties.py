"""Properties of the ranking rule (distance and likely-open-ness together, the travel radius
for a same-night need) over generated needs and services, and the walk that found the
old rule wanting.

The properties restate the rule from the outside (distances by haversine, availability
from the match), not through the engine's own key.
"""

import itertools
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantern.core.geo import haversine_km
from lantern.matching.engine import Candidate, Match, Needs
from lantern.matching.ranking import match, radius_applies
from lantern.matching.reasons import reason_text
from lantern.matching.tests.examples import cap, north, svc
from lantern.matching.tests.test_engine_properties import (
    NOW,
    POLICY,
    PROPERTY_SETTINGS,
    STEP_KM,
    TYPES,
    _needs,
    candidates_strategy,
    choice,
    kilometres,
    needs_strategy,
    points,
    rarely,
    subsets,
)

RADII = (5.0, 25.0, 80.0, 300.0)
# Rank steps are 0.1 km: two places closer than that may rank either way.
STEP = 0.1

# Located needs that often ask for a safe place tonight, sometimes with other help too.
located_needs = st.builds(
    _needs,
    location=st.builds(tuple, points),
    max_distance_km=rarely(kilometres),
    away_from_km=rarely(kilometres),
    help_types=choice(
        None,
        frozenset({"emergency-shelter"}),
        frozenset({"emergency-shelter", "legal"}),
        frozenset({"legal", "hotline"}),
    ),
    languages=choice(None, ("es",), ("en", "es")),
    children=rarely(choice(1, 2)),
)


def run(needs: Needs, candidates, *, radius: float | None, limit: int = 1000):
    return match(
        needs,
        candidates,
        now=NOW,
        freshness=POLICY,
        limit=limit,
        confidential_step_km=STEP_KM,
        travel_radius_km=radius,
    )


def km_of(needs: Needs, c: Candidate) -> float | None:
    if needs.point is None or c.virtual or not c.points:
        return None
    return min(haversine_km(*needs.point, lat, lon) for lat, lon in c.points)


def openness(m: Match) -> tuple[str, str | None]:
    return (m.availability.status, m.availability.freshness)


@PROPERTY_SETTINGS
@given(needs=located_needs, candidates=candidates_strategy, radius=choice(None, *RADII))
def test_a_nearer_equally_open_equally_fresh_service_never_ranks_below_a_farther_one(
    needs, candidates, radius
):
    matches = run(needs, candidates, radius=radius).matches
    for i, j in itertools.combinations(range(len(matches)), 2):
        a, b = matches[i], matches[j]  # a ranks above b
        km_a, km_b = km_of(needs, a.candidate), km_of(needs, b.candidate)
        if openness(a) != openness(b) or km_b is None:
            continue
        # b is a place; a, above it, is as near (within a rank step) or has no distance
        # only if b is beyond the radius (phone and online help count as within).
        assert km_a is not None or b.farther_away, (a, b)
        if km_a is not None:
            assert km_a <= km_b + STEP, (km_a, km_b)


@PROPERTY_SETTINGS
@given(needs=located_needs, candidates=candidates_strategy, radius=choice(None, *RADII))
def test_at_one_distance_a_likelier_open_service_never_ranks_below(needs, candidates, radius):
    matches = run(needs, candidates, radius=radius).matches
    for a, b in itertools.combinations(matches, 2):
        km_a, km_b = km_of(needs, a.candidate), km_of(needs, b.candidate)
        if km_a is None or km_b is None or abs(km_a - km_b) > STEP / 2:
            continue
        assert a.availability.bucket <= b.availability.bucket, (a, b)


@PROPERTY_SETTINGS
@given(
    needs=located_needs,
    candidates=candidates_strategy,
    radius=choice(*RADII),
    limit=choice(1, 3, 50),
)
def test_for_a_same_night_need_every_place_within_the_radius_comes_first(
    needs, candidates, radius, limit
):
    needs = replace(needs, help_types=(needs.help_types or frozenset()) | {"emergency-shelter"})
    applies = needs.away_from_km is None
    assert radius_applies(needs, radius) == applies
    everything = run(needs, candidates, radius=radius)
    page = run(needs, candidates, radius=radius, limit=limit)
    assert page.matches == everything.matches[:limit]
    flags = [m.farther_away for m in everything.matches]
    assert flags == sorted(flags)  # within (False) first
    for m in everything.matches:
        km = km_of(needs, m.candidate)
        beyond = km is not None and km > radius + STEP / 2
        within = km is None or km <= radius - STEP / 2
        if applies and beyond:
            assert m.farther_away
        if within or not applies:
            assert not m.farther_away
        labelled = [r for r in m.reasons if r.code == "farther_away"]
        assert bool(labelled) == m.farther_away
        if labelled:
            assert reason_text(labelled[0]).startswith("Farther away")


@PROPERTY_SETTINGS
@given(
    needs=located_needs,
    candidates=candidates_strategy,
    radius=choice(None, *RADII),
    away=kilometres,
)
def test_away_from_the_area_ranks_as_before_likelier_open_then_nearest(
    needs, candidates, radius, away
):
    """Asking to get away: no radius, no bands; openness level, then distance, as the rule
    was before the radius (the person chose to travel)."""
    needs = replace(needs, away_from_km=away, help_types=frozenset({"emergency-shelter"}))
    matches = run(needs, candidates, radius=radius).matches
    assert not any(m.farther_away for m in matches)
    buckets = [m.availability.bucket for m in matches]
    assert buckets == sorted(buckets)
    for bucket in (0, 1, 2):
        shown = [km_of(needs, m.candidate) for m in matches if m.availability.bucket == bucket]
        placed = [km for km in shown if km is not None]
        assert shown[: len(placed)] == placed  # places, then services without a distance
        assert all(b - a > -STEP for a, b in itertools.pairwise(placed))


@PROPERTY_SETTINGS
@given(
    needs=needs_strategy,
    candidates=candidates_strategy,
    wanted=subsets(TYPES, max_size=2).filter(bool),
    radius=choice(None, *RADII),
)
def test_a_service_offering_none_of_the_stated_help_types_never_appears(
    needs, candidates, wanted, radius
):
    result = run(replace(needs, help_types=wanted), candidates, radius=radius)
    for m in result.matches:
        assert m.candidate.service_types & wanted
        # ...and says which of them it offers.
        offered = {r.params["code"] for r in m.reasons if r.code == "help_type"}
        assert offered == m.candidate.service_types & wanted


@pytest.mark.parametrize("radius", [None, 80.0])
def test_without_a_location_or_a_radius_nothing_is_farther_away(radius):
    shelter = Needs(help_types=frozenset({"emergency-shelter"}))
    far = svc("far", service_types=frozenset({"emergency-shelter"}), points=(north(480),))
    result = run(shelter, [far], radius=radius)
    assert [m.farther_away for m in result.matches] == [False]


def test_the_radius_must_be_more_than_zero():
    with pytest.raises(ValueError, match="travel_radius_km"):
        run(Needs(), [], radius=0.0)


# --- The walk that found it -----------------------------------------------------------------
# ZIP 60601 (Chicago, the Loop), Spanish, with a child, a safe place tonight. A shelter
# 480 km away with a fresh open figure ranked first; one 5 km away with a recent (aging)
# figure was not in the top 20, behind twenty open places far away.


def test_walk_60601_spanish_with_a_child_the_near_shelter_is_first():
    loop = (41.886, -87.618)
    bed_tonight = frozenset({"emergency-shelter"})
    kind = {"service_types": bed_tonight, "languages": frozenset({"es"})}

    def east(km: float) -> tuple[float, float]:
        return (loop[0], loop[1] + km / (111.2 * 0.7446))

    near = svc("near", name="Casa Cercana", points=(east(5),), capacities=(cap(2, 200),), **kind)
    far = svc("far", name="Albergue Lejano", points=(east(480),), capacities=(cap(3, 5),), **kind)
    crowd = [
        svc(f"open-{i:02d}", points=(east(300 + i),), capacities=(cap(1, 5),), **kind)
        for i in range(25)
    ]
    needs = Needs(
        latitude=loop[0],
        longitude=loop[1],
        help_types=bed_tonight,
        languages=("es",),
        children=1,
    )
    result = run(needs, [far, *crowd, near], radius=80.0, limit=20)
    assert result.matches[0].candidate.service_id == "near"
    assert result.matches[0].farther_away is False
    assert 4.5 < (result.matches[0].distance_km or 0) < 5.5
    everything = run(needs, [far, *crowd, near], radius=80.0)
    ranked = [m.candidate.service_id for m in everything.matches]
    assert ranked.index("far") > ranked.index("near")
    far_match = everything.matches[ranked.index("far")]
    assert far_match.farther_away
    texts = [reason_text(r) for r in far_match.reasons]
    assert "Farther away: more than 80 km from you" in texts
