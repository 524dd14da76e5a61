"""`MatchEntry.open_updated` follows every capacity write, by triggers (see `triggers`)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from lantern.directory.models import ServiceCapacity
from lantern.matching import triggers
from lantern.matching.index import reindex
from lantern.matching.models import MatchEntry
from lantern.testing import CapacityFactory, HsdsOrganizationFactory, make_listing, unit


def open_updated(service_id):
    return MatchEntry.objects.get(service_id=service_id).open_updated


@pytest.fixture
def listing(db):
    return make_listing(
        org=HsdsOrganizationFactory(), available=3, updated_ago=timedelta(minutes=30)
    )


def test_every_kind_of_capacity_write_moves_it(listing):
    service = listing.service
    first = service.capacities.get()
    assert open_updated(service.pk) == first.updated

    first.available = 0  # a model save (the capacity PATCH and the one-tap link)
    first.save()
    assert open_updated(service.pk) is None

    later = timezone.now() - timedelta(minutes=5)
    ServiceCapacity.objects.filter(pk=first.pk).update(available=2, updated=later)  # bulk
    assert open_updated(service.pk) == later

    newest = CapacityFactory(service=service, unit=unit("room"), available=1)
    assert open_updated(service.pk) == newest.updated
    # A hold takes the last room (the SQL the referrals app runs): the bed is newest now.
    ServiceCapacity.objects.filter(pk=newest.pk, available__gt=0).update(
        available=F("available") - 1
    )
    assert open_updated(service.pk) == later
    ServiceCapacity.objects.filter(pk=newest.pk).update(available=F("available") + 1)
    assert open_updated(service.pk) == newest.updated
    newest.delete()
    assert open_updated(service.pk) == later

    other = make_listing(org=HsdsOrganizationFactory(), available=0).service
    assert open_updated(other.pk) is None
    ServiceCapacity.objects.filter(pk=first.pk).update(service=other)  # moved
    assert open_updated(service.pk) is None
    assert open_updated(other.pk) == later


def test_a_write_that_changes_neither_figure_leaves_it(listing):
    capacity = listing.service.capacities.get()
    MatchEntry.objects.filter(pk=listing.service_id).update(open_updated=None)
    capacity.description = "Beds on the ground floor."
    capacity.save(update_fields=["description"])
    assert open_updated(listing.service_id) is None  # untouched: nothing it reads changed


def test_reindex_recomputes_it(listing):
    capacity = listing.service.capacities.get()
    MatchEntry.objects.filter(pk=listing.service_id).update(open_updated=None)
    reindex([listing.service_id])
    assert open_updated(listing.service_id) == capacity.updated


def test_lost_triggers_are_put_back_after_migrate(listing):
    capacity = listing.service.capacities.get()
    assert triggers.installed(connection)
    triggers.drop(connection)
    assert not triggers.installed(connection)
    ServiceCapacity.objects.filter(pk=capacity.pk).update(available=0)
    assert open_updated(listing.service_id) == capacity.updated  # nothing kept it
    assert triggers.ensure(connection) is True  # what post_migrate calls
    assert triggers.installed(connection)
    assert open_updated(listing.service_id) is None  # every entry recomputed
    assert triggers.ensure(connection) is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_to_one_service_are_not_lost():
    """Two transactions open two units of one service at once; the first to commit wrote
    the newer time. A recompute from the second's starting snapshot would not see it and
    would store the older time; the trigger locks the entry and recomputes after."""
    # No service types: a transactional test may start after another flushed the taxonomy.
    service = make_listing(org=HsdsOrganizationFactory(), available=0, types=()).service
    bed = service.capacities.get()
    room = CapacityFactory(service=service, unit=unit("room"), available=0)
    now = timezone.now()
    newer, older = now - timedelta(minutes=1), now - timedelta(minutes=20)
    first_wrote = threading.Event()
    second_started = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                ServiceCapacity.objects.filter(pk=bed.pk).update(available=1, updated=newer)
                first_wrote.set()
                second_started.wait(10)
                threading.Event().wait(0.5)  # the second is now waiting on the entry's lock
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_wrote.wait(10)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")  # the transaction's snapshot starts here
                second_started.set()
                ServiceCapacity.objects.filter(pk=room.pk).update(available=1, updated=older)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert open_updated(service.pk) == newer
