"""Many advocates hold the last unit at once: exactly one wins, `available` stays >= 0.

Real concurrent connections: each thread opens its own database connection and the
threads are released together by a barrier. PostgreSQL only (SQLite serialises writers
on one file, which proves nothing about row locking).
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from lantern.directory.models import ServiceCapacity
from lantern.referrals.models import Hold, Referral
from lantern.referrals.services import HoldLimitReached, NoUnitOpen, referral_create

pytestmark = pytest.mark.django_db(transaction=True)

CONTENDERS = 12


def _race(world, capacity_available: int) -> tuple[list[str], int]:
    service_id = world.b_public.service_id
    ServiceCapacity.objects.filter(service_id=service_id).update(available=capacity_available)
    user = world["advocate_a"].user
    barrier = threading.Barrier(CONTENDERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def contender() -> None:
        try:
            barrier.wait(timeout=30)
            try:
                referral_create(
                    actor=user,
                    service_id=service_id,
                    needs={},
                    shared={},
                    consent=None,
                    hold=True,
                    now=timezone.now(),
                )
                result = "held"
            except NoUnitOpen:
                result = "full"
            except HoldLimitReached:
                result = "capped"
            except Exception as exc:
                result = f"error: {type(exc).__name__}: {exc}"
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contender) for _ in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    left = ServiceCapacity.objects.get(service_id=service_id).available
    return outcomes, left


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_exactly_one_advocate_gets_the_last_unit(world, settings):
    settings.LANTERN_REFERRAL_HOLDS_PER_REFERRER = CONTENDERS
    outcomes, left = _race(world, capacity_available=1)
    assert sorted(outcomes) == ["full"] * (CONTENDERS - 1) + ["held"], outcomes
    assert left == 0
    assert Hold.objects.count() == 1 and Referral.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_three_units_go_to_exactly_three_advocates(world, settings):
    settings.LANTERN_REFERRAL_HOLDS_PER_REFERRER = CONTENDERS
    outcomes, left = _race(world, capacity_available=3)
    assert outcomes.count("held") == 3 and outcomes.count("full") == CONTENDERS - 3, outcomes
    assert left == 0
    assert Hold.objects.filter(expires_at__gt=timezone.now() + timedelta(minutes=80)).count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_twelve_holds_at_once_by_one_advocate_stop_at_the_cap(world):
    """The cap is counted under the service's row lock: with ten places open, twelve
    simultaneous holds by one advocate give exactly two holds, never more."""
    ServiceCapacity.objects.filter(service_id=world.b_public.service_id).update(maximum=20)
    outcomes, left = _race(world, capacity_available=10)
    assert outcomes.count("held") == 2, outcomes
    assert outcomes.count("capped") == CONTENDERS - 2, outcomes
    assert left == 8
    assert Hold.objects.count() == 2
