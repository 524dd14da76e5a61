"""The matching engine on hand-made examples: each hard rule and its non-excluding
counterpart, availability, ranking, distances, reasons and their words."""

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from lantern.core.geo import EARTH_RADIUS_KM
from lantern.matching.engine import (
    EXCLUSION_CODES,
    GENDERS,
    HELP_TYPES,
    LANGUAGE_NAMES,
    TRAFFICKING_TYPES,
    Availability,
    Candidate,
    Capacity,
    FreshnessPolicy,
    Needs,
    Reason,
    availability_of,
    excluded_by,
    freshness_bands,
    match,
    reason_text,
)

NOW = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
TABLE = {"default": (2.0, 8.0), "hotline": (1.0, 4.0), "residential-program": (24.0, 72.0)}
POLICY = FreshnessPolicy(TABLE)
HERE = (40.0, -75.0)
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180


def north(km: float) -> tuple[float, float]:
    """A point `km` due north of HERE."""
    return (HERE[0] + km / KM_PER_DEGREE, HERE[1])


def cap(available: int = 1, minutes: float = 10, unit: str = "bed") -> Capacity:
    return Capacity(
        available=available, maximum=10, unit=unit, updated=NOW - timedelta(minutes=minutes)
    )


def svc(service_id: str = "s1", name: str | None = None, **fields) -> Candidate:
    return Candidate(service_id=service_id, name=name or service_id, **fields)


def located(**fields) -> Needs:
    return Needs(latitude=HERE[0], longitude=HERE[1], **fields)


def run(needs: Needs, *candidates: Candidate, **kwargs):
    return match(needs, candidates, now=NOW, freshness=POLICY, **kwargs)


def ids(result) -> list[str]:
    return [m.candidate.service_id for m in result.matches]


def excluded(needs: Needs, candidate: Candidate) -> str | None:
    return excluded_by(needs, candidate, now=NOW, freshness=POLICY)


# --- Hard rules ----------------------------------------------------------------------------

EXCLUSIONS = [
    ("age_below_minimum", Needs(age=17), svc(minimum_age=18), "age"),
    ("age_above_maximum", Needs(age=25), svc(maximum_age=24), "age"),
    ("gender_not_served", Needs(gender="man"), svc(genders_served=frozenset({"woman"})), "gender"),
    ("gender_none_served", Needs(gender="woman"), svc(genders_served=frozenset()), "gender"),
    ("children_not_accepted", Needs(children=2), svc(accepts_children=False), "children"),
    (
        "more_children_than_accepted",
        Needs(children=3),
        svc(accepts_children=True, max_children=2),
        "max_children",
    ),
    ("pets_not_accepted", Needs(pets=True), svc(accepts_pets=False), "pets"),
    (
        "trafficking_type_not_served",
        Needs(trafficking_types=frozenset({"labor"})),
        svc(trafficking_types_served=frozenset({"sex"})),
        "trafficking_type",
    ),
    (
        "wheelchair_access_absent",
        Needs(needs_wheelchair_access=True),
        svc(wheelchair_accessible=False),
        "wheelchair",
    ),
    (
        "substance_use_not_accepted",
        Needs(active_substance_use=True),
        svc(accepts_active_substance_use=False),
        "substance_use",
    ),
    (
        "id_documents_required",
        Needs(has_id_documents=False),
        svc(requires_id_documents=True),
        "id_documents",
    ),
    (
        "help_type_not_offered",
        Needs(help_types=frozenset({"legal", "medical"})),
        svc(service_types=frozenset({"hotline"})),
        "help_type",
    ),
    (
        "farther_than_max_distance",
        located(max_distance_km=10),
        svc(points=(north(12),)),
        "max_distance",
    ),
    ("nearer_than_away_from", located(away_from_km=50), svc(points=(north(20),)), "away_from"),
    (
        "just_beyond_max_distance",
        located(max_distance_km=10),
        svc(points=(north(10.2),)),
        "max_distance",
    ),
    ("just_inside_away_from", located(away_from_km=50), svc(points=(north(49.8),)), "away_from"),
    ("only_open_without_capacity", Needs(only_open=True), svc(), "not_open"),
    (
        "only_open_with_aging_capacity",
        Needs(only_open=True),
        svc(capacities=(cap(3, minutes=180),)),
        "not_open",
    ),
    ("only_open_when_full", Needs(only_open=True), svc(capacities=(cap(0),)), "not_open"),
    (
        "only_open_with_stale_capacity",
        Needs(only_open=True),
        svc(capacities=(cap(5, minutes=9 * 60),)),
        "not_open",
    ),
]


@pytest.mark.parametrize(
    ("needs", "candidate", "code"),
    [case[1:] for case in EXCLUSIONS],
    ids=[case[0] for case in EXCLUSIONS],
)
def test_it_excludes_a_service_whose_declared_rule_conflicts(needs, candidate, code):
    assert code in EXCLUSION_CODES
    assert excluded(needs, candidate) == code
    result = run(needs, candidate)
    assert result.total == 0
    assert result.matches == ()


KEPT = [
    ("age_unstated", Needs(), svc(minimum_age=18, maximum_age=24)),
    ("age_rule_undeclared", Needs(age=17), svc()),
    ("age_on_the_bounds", Needs(age=18), svc(minimum_age=18, maximum_age=18)),
    ("gender_unstated", Needs(), svc(genders_served=frozenset({"woman"}))),
    ("gender_rule_undeclared", Needs(gender="man"), svc()),
    ("gender_served", Needs(gender="nonbinary"), svc(genders_served=frozenset(GENDERS))),
    ("no_children", Needs(children=0), svc(accepts_children=False, max_children=0)),
    ("children_unstated", Needs(), svc(accepts_children=False)),
    ("children_rule_undeclared", Needs(children=4), svc()),
    ("children_up_to_max", Needs(children=2), svc(accepts_children=True, max_children=2)),
    ("children_max_without_accepts", Needs(children=1), svc(max_children=3)),
    ("pets_false", Needs(pets=False), svc(accepts_pets=False)),
    ("pets_unstated", Needs(), svc(accepts_pets=False)),
    ("pets_rule_undeclared", Needs(pets=True), svc()),
    (
        "trafficking_types_overlap",
        Needs(trafficking_types=frozenset({"sex", "labor"})),
        svc(trafficking_types_served=frozenset({"labor"})),
    ),
    (
        "trafficking_types_empty",
        Needs(trafficking_types=frozenset()),
        svc(trafficking_types_served=frozenset({"sex"})),
    ),
    ("trafficking_rule_undeclared", Needs(trafficking_types=frozenset({"labor"})), svc()),
    (
        "wheelchair_not_needed",
        Needs(needs_wheelchair_access=False),
        svc(wheelchair_accessible=False),
    ),
    ("wheelchair_rule_undeclared", Needs(needs_wheelchair_access=True), svc()),
    (
        "no_substance_use",
        Needs(active_substance_use=False),
        svc(accepts_active_substance_use=False),
    ),
    ("substance_rule_undeclared", Needs(active_substance_use=True), svc()),
    ("has_id_documents", Needs(has_id_documents=True), svc(requires_id_documents=True)),
    ("id_documents_unstated", Needs(), svc(requires_id_documents=True)),
    ("id_rule_undeclared", Needs(has_id_documents=False), svc()),
    ("help_types_empty", Needs(help_types=frozenset()), svc(service_types=frozenset({"legal"}))),
    (
        "help_type_offered",
        Needs(help_types=frozenset({"legal", "medical"})),
        svc(service_types=frozenset({"medical", "hotline"})),
    ),
    ("within_max_distance", located(max_distance_km=10), svc(points=(north(9),))),
    (
        "nearest_point_counts",
        located(max_distance_km=10),
        svc(points=(north(300), north(4), north(50))),
    ),
    ("beyond_away_from", located(away_from_km=50), svc(points=(north(80),))),
    ("just_within_max_distance", located(max_distance_km=10), svc(points=(north(9.8),))),
    ("just_beyond_away_from", located(away_from_km=50), svc(points=(north(50.2),))),
    (
        "distance_without_location",
        Needs(max_distance_km=1, away_from_km=0.5),
        svc(points=(north(500),)),
    ),
    (
        "distance_with_half_a_location",
        Needs(latitude=HERE[0], max_distance_km=1),
        svc(points=(north(500),)),
    ),
    ("virtual_and_max_distance", located(max_distance_km=1), svc(virtual=True)),
    ("virtual_and_away_from", located(away_from_km=500), svc(virtual=True)),
    ("place_without_coordinates", located(max_distance_km=1), svc(virtual=False, points=())),
    ("only_open_with_fresh_open_capacity", Needs(only_open=True), svc(capacities=(cap(1, 119),))),
    ("open_unstated_without_capacity", Needs(), svc()),
]


@pytest.mark.parametrize(
    ("needs", "candidate"), [case[1:] for case in KEPT], ids=[case[0] for case in KEPT]
)
def test_it_keeps_a_service_when_the_need_is_unstated_or_the_rule_undeclared(needs, candidate):
    assert excluded(needs, candidate) is None
    assert run(needs, candidate).total == 1


def test_an_empty_needs_profile_excludes_nothing():
    strict = svc(
        minimum_age=18,
        maximum_age=24,
        genders_served=frozenset(),
        accepts_children=False,
        max_children=0,
        accepts_pets=False,
        trafficking_types_served=frozenset(),
        wheelchair_accessible=False,
        accepts_active_substance_use=False,
        requires_id_documents=True,
        points=(north(9000),),
    )
    assert excluded(Needs(), strict) is None


# --- Availability --------------------------------------------------------------------------


def test_stale_capacity_is_unknown_never_open():
    candidate = svc(capacities=(cap(5, minutes=8 * 60 + 1),))
    availability = availability_of(candidate, now=NOW, freshness=POLICY)
    assert availability == Availability(
        "unknown", None, NOW - timedelta(minutes=481), "stale", "bed"
    )
    assert run(Needs(), candidate).matches[0].reasons[0].code == "unknown_availability"


def test_freshness_bands_are_inclusive_of_the_stale_limit():
    at_fresh_limit = availability_of(svc(capacities=(cap(1, 120),)), now=NOW, freshness=POLICY)
    at_stale_limit = availability_of(svc(capacities=(cap(1, 480),)), now=NOW, freshness=POLICY)
    assert (at_fresh_limit.status, at_fresh_limit.freshness) == ("open", "aging")
    assert (at_stale_limit.status, at_stale_limit.freshness) == ("open", "aging")


def test_without_capacities_availability_is_unknown_with_no_freshness():
    assert availability_of(svc(), now=NOW, freshness=POLICY) == Availability(
        "unknown", None, None, None
    )


def test_it_reports_fresh_open_capacity_before_a_larger_aging_one():
    candidate = svc(capacities=(cap(9, minutes=200), cap(0, minutes=5), cap(2, minutes=30)))
    availability = availability_of(candidate, now=NOW, freshness=POLICY)
    assert (availability.status, availability.available, availability.freshness) == (
        "open",
        2,
        "fresh",
    )


def test_it_reports_aging_open_before_fresh_full():
    candidate = svc(capacities=(cap(0, minutes=5), cap(3, minutes=200, unit="appointment")))
    availability = availability_of(candidate, now=NOW, freshness=POLICY)
    assert (availability.status, availability.available, availability.unit) == (
        "open",
        3,
        "appointment",
    )
    assert availability.freshness == "aging"


def test_full_reports_the_most_recent_capacity():
    candidate = svc(capacities=(cap(0, minutes=200), cap(0, minutes=20), cap(4, minutes=9999)))
    availability = availability_of(candidate, now=NOW, freshness=POLICY)
    assert availability == Availability("full", 0, NOW - timedelta(minutes=20), "fresh", "bed")


def test_the_strictest_band_among_the_service_types_wins():
    hour_and_a_half = (cap(1, minutes=90),)
    shelter = svc(service_types=frozenset({"emergency-shelter"}), capacities=hour_and_a_half)
    shelter_hotline = replace(shelter, service_types=frozenset({"emergency-shelter", "hotline"}))
    program = svc(service_types=frozenset({"residential-program"}), capacities=(cap(1, 600),))
    assert availability_of(shelter, now=NOW, freshness=POLICY).freshness == "fresh"
    assert availability_of(shelter_hotline, now=NOW, freshness=POLICY).freshness == "aging"
    assert availability_of(program, now=NOW, freshness=POLICY).freshness == "fresh"


def test_freshness_bands_mirror_the_directory_rule(settings):
    from lantern.directory.freshness import bands_for

    combinations = [(), ("legal",), ("hotline", "emergency-shelter"), ("residential-program",)]
    combinations.append(("residential-program", "hotline"))
    for types in combinations:
        assert freshness_bands(types, settings.LANTERN_FRESHNESS_HOURS) == bands_for(types)


def test_only_open_needs_fresh_capacity_not_aging():
    fresh = svc("fresh", capacities=(cap(1, 30),))
    aging = svc("aging", capacities=(cap(5, 200),))
    assert ids(run(Needs(only_open=True), fresh, aging)) == ["fresh"]
    assert ids(run(Needs(), fresh, aging)) == ["fresh", "aging"]


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


def test_it_ranks_nearer_first_within_a_bucket_and_virtual_after_places():
    open_now = (cap(1, 5),)
    candidates = [
        svc("phone", virtual=True, capacities=open_now),
        svc("far", points=(north(80),), capacities=open_now),
        svc("near", points=(north(5),), capacities=open_now),
        svc("nowhere", points=(), capacities=open_now),
        svc("aging-near", points=(north(1),), capacities=(cap(1, 200),)),
    ]
    assert ids(run(located(), *candidates)) == ["near", "far", "nowhere", "phone", "aging-near"]


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


# --- Reasons -------------------------------------------------------------------------------


def test_every_match_says_why_in_order():
    needs = located(
        help_types=frozenset({"emergency-shelter", "legal"}),
        age=19,
        gender="woman",
        children=1,
        pets=True,
        trafficking_types=frozenset({"labor", "sex"}),
        needs_wheelchair_access=True,
        active_substance_use=True,
        has_id_documents=False,
        languages=("es", "en"),
        preferences=frozenset({"survivor_led"}),
    )
    candidate = svc(
        service_types=frozenset({"emergency-shelter", "legal", "medical"}),
        minimum_age=18,
        genders_served=frozenset({"woman", "nonbinary"}),
        accepts_children=True,
        accepts_pets=True,
        trafficking_types_served=frozenset({"labor"}),
        wheelchair_accessible=True,
        accepts_active_substance_use=True,
        requires_id_documents=False,
        languages=frozenset({"en", "es"}),
        tags=frozenset({"survivor_led"}),
        capacities=(cap(2, 40),),
        points=(north(5),),
    )
    reasons = run(needs, candidate).matches[0].reasons
    assert [reason_text(r) for r in reasons] == [
        "2 beds open, updated 40 minutes ago",
        "About 5 km away",
        "Speaks Spanish",
        "Speaks English",
        "Serves women",
        "Serves ages 18 and up",
        "Accepts children",
        "Accepts pets",
        "Helps people trafficked for work",
        "Wheelchair accessible",
        "Accepts people who use drugs or alcohol",
        "No ID needed",
        "Offers a safe place to stay tonight",
        "Offers legal help",
        "Led by survivors",
    ]
    assert reasons[0] == Reason("open", {"available": 2, "unit": "bed", "minutes": 40})


@pytest.mark.parametrize(
    ("capacity", "text"),
    [
        (cap(2, 40), "2 beds open, updated 40 minutes ago"),
        (cap(2, 190), "2 beds open, updated 3 hours ago. Call to check."),
        (cap(0, 190), "Full, updated 3 hours ago"),
        (cap(2, 2 * 24 * 60 + 5), "Open places not known, last update 2 days ago. Call first."),
    ],
)
def test_the_first_reason_tells_how_open_and_how_fresh(capacity, text):
    reasons = run(Needs(), svc(capacities=(capacity,))).matches[0].reasons
    assert reason_text(reasons[0]) == text


def test_facts_unrelated_to_a_stated_need_are_not_reasons():
    candidate = svc(accepts_children=True, accepts_pets=True, wheelchair_accessible=True)
    assert [r.code for r in run(Needs(), candidate).matches[0].reasons] == ["unknown_availability"]


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        (
            Reason("open", {"available": 1, "unit": "bed", "minutes": 1}),
            "1 bed open, updated 1 minute ago",
        ),
        (
            Reason("open", {"available": 3, "unit": "line", "minutes": 0}),
            "3 phone lines open, updated just now",
        ),
        (
            Reason("aging", {"available": 2, "unit": "appointment", "minutes": 200}),
            "2 appointments open, updated 3 hours ago. Call to check.",
        ),
        (
            Reason("open", {"available": 2, "unit": "kayak", "minutes": 5}),
            "2 open (kayak), updated 5 minutes ago",
        ),
        (
            Reason("full", {"unit": "bed", "minutes": 60, "freshness": "fresh"}),
            "Full, updated 1 hour ago",
        ),
        (
            Reason("unknown_availability", {"minutes": None}),
            "No count of open places yet. Call first.",
        ),
        (
            Reason("unknown_availability", {"minutes": 3 * 24 * 60}),
            "Open places not known, last update 3 days ago. Call first.",
        ),
        (Reason("distance", {"km": 0.4, "confidential": False}), "Less than 1 km away"),
        (Reason("distance", {"km": 3.2, "confidential": False}), "About 3.2 km away"),
        (Reason("distance", {"km": 5.0, "confidential": False}), "About 5 km away"),
        (Reason("distance", {"km": 42.6, "confidential": False}), "About 43 km away"),
        (
            Reason("distance", {"km": 5.0, "confidential": True}),
            "About 5 km away. The address is kept private.",
        ),
        (
            Reason("distance_away", {"km": 120.4, "confidential": False, "away_from_km": 100}),
            "About 120 km away, more than the 100 km you asked for",
        ),
        (Reason("virtual"), "Online or by phone"),
        (Reason("speaks", {"language": "ht"}), "Speaks Haitian Creole"),
        (Reason("speaks", {"language": "xx"}), "Speaks xx"),
        (
            Reason("serves_age", {"age": 20, "minimum_age": 18, "maximum_age": 24}),
            "Serves ages 18 to 24",
        ),
        (
            Reason("serves_age", {"age": 9, "minimum_age": None, "maximum_age": 17}),
            "Serves ages 17 and under",
        ),
        (Reason("serves_gender", {"gender": "transgender_man"}), "Serves transgender men"),
        (Reason("serves_trafficking_type", {"type": "sex"}), "Helps people trafficked for sex"),
        (Reason("help_type", {"code": "hotline"}), "Someone to talk to by phone or text"),
        (Reason("help_type", {"code": "new-kind"}), "Offers new-kind"),
        (Reason("preference", {"tag": "not_faith_based"}), "Not run by a faith group"),
        (Reason("something-new"), "something-new"),
    ],
)
def test_reason_text_in_plain_english(reason, text):
    assert reason_text(reason) == text


def test_every_string_goes_through_the_translation_functions():
    def gettext(message: str) -> str:
        return f"<{message}>"

    def ngettext(singular: str, plural: str, n: int) -> str:
        return f"<{singular if n == 1 else plural}>"

    reason = Reason("open", {"available": 2, "unit": "bed", "minutes": 40})
    assert reason_text(reason, gettext=gettext, ngettext=ngettext) == (
        "<<2 beds open>, updated <40 minutes ago>>"
    )
    speaks = reason_text(Reason("speaks", {"language": "es"}), gettext=gettext)
    assert speaks == "<Speaks <Spanish>>"
    private = Reason("distance", {"km": 5.0, "confidential": True})
    assert (
        reason_text(private, gettext=gettext) == "<About 5 km away>. <The address is kept private.>"
    )


def test_every_demo_unit_help_type_and_language_has_words():
    for unit in ("bed", "line", "appointment", "consultation", "caseload place", "place"):
        text = reason_text(Reason("open", {"available": 2, "unit": unit, "minutes": 3}))
        assert "(" not in text, unit
    for code in HELP_TYPES:
        assert reason_text(Reason("help_type", {"code": code})) != f"Offers {code}"
    assert set(LANGUAGE_NAMES) == {"en", "es", "zh", "vi", "tl", "ar", "fr", "ko", "ru", "ht", "pt"}


# --- Inputs --------------------------------------------------------------------------------


def test_vocabularies_mirror_the_directory_profile():
    from lantern.directory import profile

    assert profile.GENDERS == GENDERS
    assert profile.TRAFFICKING_TYPES == TRAFFICKING_TYPES
    assert profile.SERVICE_TYPE_CODES == HELP_TYPES


@pytest.mark.parametrize(
    "fields",
    [
        {"gender": "other"},
        {"trafficking_types": frozenset({"organ"})},
        {"age": -1},
        {"children": -2},
        {"max_distance_km": float("nan")},
        {"latitude": 91.0},
        {"longitude": -181.0},
    ],
)
def test_needs_refuse_values_outside_the_vocabulary(fields):
    with pytest.raises(ValueError):
        Needs(**fields)


def test_needs_accept_plain_collections():
    needs = Needs(help_types={"legal"}, languages=["es"], preferences={"survivor_led"})
    assert needs.help_types == frozenset({"legal"})
    assert needs.languages == ("es",)
    assert hash(needs) == hash(replace(needs))


def test_it_refuses_a_naive_now_and_a_negative_limit():
    with pytest.raises(ValueError):
        match(Needs(), [], now=NOW.replace(tzinfo=None), freshness=POLICY)
    with pytest.raises(ValueError):
        match(Needs(), [], now=NOW, freshness=POLICY, limit=-1)
    with pytest.raises(ValueError):
        FreshnessPolicy({"hotline": (1.0, 4.0)})
