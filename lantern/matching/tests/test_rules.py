"""Eligibility on hand-made examples: each hard rule and its non-excluding counterpart,
and the availability reported."""

from dataclasses import replace
from datetime import timedelta

import pytest

from lantern.matching.engine import (
    EXCLUSION_CODES,
    GENDERS,
    Availability,
    Needs,
    freshness_bands,
)
from lantern.matching.rules import availability_of
from lantern.matching.tests.examples import (
    HERE,
    NOW,
    POLICY,
    cap,
    excluded,
    ids,
    located,
    north,
    run,
    svc,
)

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
