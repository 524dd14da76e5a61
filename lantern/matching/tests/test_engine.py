"""The engine's inputs: vocabularies and the checks `Needs` and `match` make."""

from dataclasses import replace

import pytest

from lantern.matching.engine import (
    GENDERS,
    HELP_TYPES,
    TRAFFICKING_TYPES,
    FreshnessPolicy,
    Needs,
)
from lantern.matching.ranking import match
from lantern.matching.tests.examples import (
    NOW,
    POLICY,
)

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
