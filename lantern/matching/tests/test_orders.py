"""Orders other than "best match" apply to every eligible service before the page is cut
(issue 12: "Nearest" re-sorted only the best 20 and dropped the nearest services)."""

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lantern.matching import engine
from lantern.matching.ranking import ORDERS, match
from lantern.matching.services import find_help
from lantern.matching.tests.test_engine_properties import (
    NOW,
    POLICY,
    STEP_KM,
    candidates_strategy,
    needs_strategy,
)
from lantern.testing import HsdsOrganizationFactory, make_listing


def _run(needs, candidates, *, limit, order):
    return match(
        needs,
        candidates,
        now=NOW,
        freshness=POLICY,
        limit=limit,
        confidential_step_km=STEP_KM,
        order=order,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    needs=needs_strategy,
    candidates=candidates_strategy,
    limit=st.integers(1, 6),
    order=st.sampled_from(ORDERS),
)
def test_a_page_in_any_order_is_the_head_of_that_order_over_everything(
    needs, candidates, limit, order
):
    everything = _run(needs, candidates, limit=10_000, order=order)
    page = _run(needs, candidates, limit=limit, order=order)
    assert page.total == everything.total
    ids = [m.candidate.service_id for m in page.matches]
    assert ids == [m.candidate.service_id for m in everything.matches][:limit]
    by_best = _run(needs, candidates, limit=10_000, order="best").matches
    best = [m.candidate.service_id for m in by_best]
    assert {m.candidate.service_id for m in everything.matches} == set(best)
    shown = everything.matches
    if order == "distance":
        keys = [(m.distance_km is None, m.distance_km or 0.0) for m in shown]
        assert keys == sorted(keys)  # by the distance shown (rounded for confidential)
    elif order == "name":
        names = [m.candidate.name.casefold() for m in shown]
        assert names == sorted(names)
    elif order == "updated":
        stamps = [m.availability.updated for m in shown if m.availability.updated is not None]
        assert stamps == sorted(stamps, reverse=True)
    # Ties keep the best-match order.
    if order != "best":
        position = {sid: i for i, sid in enumerate(best)}
        for a, b in itertools.pairwise(shown):
            same = (
                order == "name" and a.candidate.name.casefold() == b.candidate.name.casefold()
            ) or (order == "distance" and a.distance_km == b.distance_km)
            if same:
                assert position[a.candidate.service_id] < position[b.candidate.service_id]


def test_an_unknown_order_is_refused():
    with pytest.raises(ValueError, match="order"):
        _run(engine.Needs(), [], limit=1, order="cheapest")


@pytest.mark.django_db
def test_nearest_takes_the_nearest_of_every_fitting_service(world):
    """The five nearest services are full (so they rank last by best match) and twenty
    farther ones are open: a page of 20 by best match holds none of the five; "Nearest"
    starts with them, on both databases (PostgreSQL skips its SQL top-N for this order)."""
    org = HsdsOrganizationFactory(name="Order Test Providers")
    near = [
        make_listing(org=org, latitude=40.0 + i * 0.001, longitude=-100.0, available=0)
        for i in range(5)
    ]
    for i in range(20):
        make_listing(org=org, latitude=40.3 + i * 0.01, longitude=-100.0, available=3)
    needs = engine.Needs(
        latitude=40.0, longitude=-100.0, help_types=frozenset({"emergency-shelter"})
    )
    now = timezone.now() + timedelta(seconds=1)
    best = find_help(needs, user=AnonymousUser(), limit=20, now=now)
    near_ids = {str(s.service_id) for s in near}
    assert not near_ids & {i.service["id"] for i in best.items}
    nearest = find_help(needs, user=AnonymousUser(), limit=20, now=now, order="distance")
    assert nearest.total == best.total
    assert [i.service["id"] for i in nearest.items[:5]] == [str(s.service_id) for s in near]
    distances = [i.distance_km for i in nearest.items]
    assert distances == sorted(distances)
