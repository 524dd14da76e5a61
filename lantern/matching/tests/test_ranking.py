"""`match` on hand-made examples: the order, the score, the limit and the distances shown."""

import pytest

from lantern.matching.engine import (
    Needs,
    Reason,
)
from lantern.matching.tests.examples import (
    cap,
    ids,
    located,
    north,
    run,
    svc,
)

# --- Ranking -------------------------------------------------------------------------------


def test_it_ranks_fresh_open_then_aging_open_then_everything_else():
    candidates = [
        svc("unknown", points=(north(1),)),
        svc("stale", capacities=(cap(4, 600),), points=(north(2),)),
        svc("full", capacities=(cap(0, 5),), points=(north(3),)),
        svc("aging", capacities=(cap(2, 200),), points=(north(40),)),
        svc("fresh", capacities=(cap(1, 5),), points=(north(90),)),
    ]
    result = run(located(), *candidates)
    assert ids(result) == ["fresh", "aging", "unknown", "stale", "full"]
    assert [m.availability.bucket for m in result.matches] == [0, 1, 2, 2, 2]


def test_it_ranks_nearer_first_within_a_tier_and_virtual_after_places():
    open_now = (cap(1, 5),)
    candidates = [
        svc("phone", virtual=True, capacities=open_now),
        svc("far", points=(north(80),), capacities=open_now),
        svc("near", points=(north(5),), capacities=open_now),
        svc("nowhere", points=(), capacities=open_now),
        svc("aging-near", points=(north(1),), capacities=(cap(1, 200),)),
        svc("open-15", points=(north(15),), capacities=open_now),
    ]
    # Tiers (openness weight + distance band): near 0; open-15 and aging-near 1 (the open
    # one first at one tier); far 3 (50-100 km); nowhere and phone 5 (no distance).
    assert ids(run(located(), *candidates)) == [
        "near",
        "open-15",
        "aging-near",
        "far",
        "nowhere",
        "phone",
    ]


def test_a_near_place_not_known_open_ranks_with_open_ones_three_bands_farther():
    candidates = [
        svc("full-near", points=(north(3),), capacities=(cap(0, 5),)),
        svc("open-60", points=(north(60),), capacities=(cap(2, 5),)),
        svc("open-150", points=(north(150),), capacities=(cap(2, 5),)),
        svc("aging-40", points=(north(40),), capacities=(cap(2, 200),)),
    ]
    # full-near: 3 + 0; open-60: 0 + 3; aging-40: 1 + 2; open-150: 0 + 4.
    assert ids(run(located(), *candidates)) == ["open-60", "aging-40", "full-near", "open-150"]


def test_without_a_location_distance_plays_no_part():
    candidates = [
        svc("b", points=(north(1),)),
        svc("a", virtual=True),
        svc("c", points=(north(2),)),
    ]
    result = run(Needs(), *candidates)
    assert ids(result) == ["a", "b", "c"]
    assert all(m.distance_km is None for m in result.matches)


def test_away_from_ranks_the_nearest_option_beyond_it_first():
    candidates = [
        svc("too-close", points=(north(30),)),
        svc("far", points=(north(400),)),
        svc("just-beyond", points=(north(120),)),
        svc("phone", virtual=True),
    ]
    result = run(located(away_from_km=100), *candidates)
    assert ids(result) == ["just-beyond", "far", "phone"]
    assert result.matches[0].reasons[1] == Reason(
        "distance_away", {"km": 120.0, "confidential": False, "away_from_km": 100}
    )


def test_first_preferred_language_beats_a_later_one_beats_none():
    candidates = [
        svc("a-english", languages=frozenset({"en"})),
        svc("b-none", languages=frozenset({"fr"})),
        svc("c-spanish", languages=frozenset({"es", "en"})),
    ]
    assert ids(run(Needs(languages=("es", "en")), *candidates)) == [
        "c-spanish",
        "a-english",
        "b-none",
    ]


def test_distance_beats_language_but_language_decides_at_the_same_shown_distance():
    spanish_far = svc("a", points=(north(3.24),), languages=frozenset({"es"}))
    english_near = svc("b", points=(north(3.21),), languages=frozenset({"en"}))
    spanish_farther = svc("c", points=(north(3.4),), languages=frozenset({"es"}))
    needs = located(languages=("es",))
    assert ids(run(needs, english_near, spanish_farther, spanish_far)) == ["a", "b", "c"]


def test_preferences_rank_but_never_exclude():
    plain = svc("a")
    one = svc("b", tags=frozenset({"survivor_led"}))
    two = svc("c", tags=frozenset({"survivor_led", "women_only_staff"}))
    needs = Needs(preferences=frozenset({"survivor_led", "women_only_staff", "no-such-tag"}))
    result = run(needs, plain, one, two)
    assert ids(result) == ["c", "b", "a"]
    assert result.total == 3
    assert [r for r in result.matches[0].reasons if r.code == "preference"] == [
        Reason("preference", {"tag": "women_only_staff"}),
        Reason("preference", {"tag": "survivor_led"}),
    ]


def test_unknown_preference_tags_are_ignored():
    candidates = [svc("b", tags=frozenset({"whatever"})), svc("a")]
    plain = run(Needs(), *candidates)
    assert run(Needs(preferences=frozenset({"whatever"})), *candidates) == plain


def test_ties_break_by_name_then_id_whatever_the_input_order():
    candidates = [
        svc("3", "beacon"),
        svc("2", "Beacon"),
        svc("1", "Beacon"),
        svc("0", "Anchor"),
        svc("4", "anchor"),
    ]
    expected = ["0", "4", "1", "2", "3"]
    assert ids(run(Needs(), *candidates)) == expected
    assert ids(run(Needs(), *reversed(candidates))) == expected
    assert run(Needs(), *candidates) == run(Needs(), *reversed(candidates))


def test_scores_lie_in_the_unit_interval_and_follow_the_order():
    candidates = [
        svc("a", capacities=(cap(1, 5),), points=(north(1),)),
        svc("b", capacities=(cap(1, 5),), points=(north(5),)),
        svc("c", capacities=(cap(1, 200),), points=(north(1),)),
        svc("d", points=(north(1),)),
        svc("e", virtual=True),
    ]
    scores = [m.score for m in run(located(), *candidates).matches]
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == len(scores)
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert scores[0] == pytest.approx(1.0, abs=1e-4)


def test_equal_rank_gets_equal_score():
    result = run(Needs(), svc("b"), svc("a"))
    assert result.matches[0].score == result.matches[1].score


def test_limit_caps_the_matches_but_not_the_total():
    candidates = [svc(f"s{i}") for i in range(5)]
    result = run(Needs(), *candidates, limit=2)
    assert (result.total, ids(result)) == (5, ["s0", "s1"])
    assert run(Needs(), *candidates, limit=0).matches == ()


# --- Distance ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("km", "step", "shown"),
    [(0.3, 5.0, 5.0), (7.0, 5.0, 10.0), (12.0, 5.0, 15.0), (0.3, 10.0, 10.0), (23.0, 10.0, 30.0)],
)
def test_confidential_distance_is_rounded_up_to_the_step(km, step, shown):
    candidate = svc(points=(north(km),), confidential=True)
    result = run(located(max_distance_km=km + 1), candidate, confidential_step_km=step)
    assert result.matches[0].distance_km == shown
    assert result.matches[0].reasons[1] == Reason("distance", {"km": shown, "confidential": True})


def test_confidential_services_are_filtered_on_the_point_given_not_the_shown_distance():
    candidate = svc(points=(north(0.3),), confidential=True)
    assert run(located(max_distance_km=1), candidate).matches[0].distance_km == 5.0


def test_public_distance_is_exact():
    result = run(located(), svc(points=(north(3.2),)))
    assert result.matches[0].distance_km == pytest.approx(3.2)


def test_virtual_services_have_no_distance_and_say_so():
    result = run(located(max_distance_km=1, away_from_km=0.5), svc(virtual=True, points=()))
    assert result.total == 1
    assert result.matches[0].distance_km is None
    assert result.matches[0].reasons[1] == Reason("virtual")
