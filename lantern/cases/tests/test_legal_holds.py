"""Legal holds and the retention schedule: who may, what is checked, what is audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.cases.legal_selectors import (
    DEFAULT_RETENTION_DAYS,
    MAX_RETENTION_DAYS,
    case_by_number,
    case_is_held,
    hold_for_keeper,
    holds_for,
    retention_days,
    retention_organizations,
)
from lantern.cases.legal_services import legal_hold_place, legal_hold_release, retention_set
from lantern.cases.models import Case, LegalHold
from lantern.cases.tests.factories import supervisor
from lantern.cases.tests.legal_factories import open_case, org_admin
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound

pytestmark = pytest.mark.django_db

REASON = "Pending civil case 24-CV-7"


def _tomorrow():
    return timezone.localdate() + timedelta(days=1)


def test_an_organization_admin_places_a_hold_by_number_without_case_reach(world):
    case = open_case(world)
    admin = org_admin(world)
    found = case_by_number(admin, case.number)
    assert found == case
    hold = legal_hold_place(actor=admin, case=found, reason=REASON, until=_tomorrow())
    assert case_is_held(case)
    assert LegalHold.objects.get(pk=hold.pk).reason == REASON
    event = AuditEvent.objects.get(action="legal_hold.place")
    assert event.object_id == str(case.pk)
    assert event.detail == {"hold_id": hold.pk, "until": _tomorrow().isoformat()}
    assert REASON not in str(event.detail)
    # The reason is stored under the deployment keys, never in clear.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM cases_legalhold WHERE id = %s", [hold.pk])
        assert REASON not in cursor.fetchone()[0]


def test_a_supervisor_places_and_releases_a_hold(world):
    case = open_case(world)
    boss = supervisor(world)
    hold = legal_hold_place(actor=boss, case=case, reason=REASON, until=_tomorrow())
    assert list(holds_for(boss)) == [hold]
    legal_hold_release(actor=boss, hold=hold)
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.released_by == boss
    assert not case_is_held(case)
    assert AuditEvent.objects.filter(action="legal_hold.release", object_id=str(case.pk)).exists()
    with pytest.raises(FieldError):
        legal_hold_release(actor=boss, hold=hold)


def test_a_hold_that_ran_out_holds_nothing(world):
    case = open_case(world)
    hold = legal_hold_place(
        actor=supervisor(world), case=case, reason=REASON, until=timezone.localdate()
    )
    assert case_is_held(case)
    assert not case_is_held(case, today=hold.until + timedelta(days=1))


@pytest.mark.parametrize("persona", ["provider_b", "provider_c", "advocate_a", "coalition_admin"])
def test_nobody_else_keeps_legal_records(world, persona):
    case = open_case(world)
    user = world[persona].user
    with pytest.raises(NotFound):
        legal_hold_place(actor=user, case=case, reason=REASON, until=_tomorrow())
    assert case_by_number(user, case.number) is None
    hold = legal_hold_place(actor=supervisor(world), case=case, reason=REASON, until=_tomorrow())
    with pytest.raises(NotFound):
        legal_hold_release(actor=user, hold=hold)
    with pytest.raises(NotFound):
        hold_for_keeper(user, hold.pk)
    assert list(holds_for(user)) == []


def test_another_organizations_keepers_cannot_find_or_hold_the_case(world):
    case = open_case(world)
    c_admin = org_admin(world, "c")
    assert case_by_number(c_admin, case.number) is None
    with pytest.raises(NotFound):
        legal_hold_place(actor=c_admin, case=case, reason=REASON, until=_tomorrow())


def test_hold_values_are_checked(world):
    case = open_case(world)
    boss = supervisor(world)
    with pytest.raises(FieldError) as past:
        legal_hold_place(
            actor=boss, case=case, reason=REASON, until=timezone.localdate() - timedelta(days=1)
        )
    assert past.value.field == "until"
    with pytest.raises(FieldError) as blank:
        legal_hold_place(actor=boss, case=case, reason="  ", until=_tomorrow())
    assert blank.value.field == "reason"
    with pytest.raises(FieldError) as long:
        legal_hold_place(actor=boss, case=case, reason="x" * 1001, until=_tomorrow())
    assert long.value.field == "reason"
    Case.objects.filter(pk=case.pk).update(purged_at=timezone.now())
    case.refresh_from_db()
    with pytest.raises(FieldError) as purged:
        legal_hold_place(actor=boss, case=case, reason=REASON, until=_tomorrow())
    assert purged.value.field == "case"
    assert not LegalHold.objects.exists()


def test_the_retention_schedule_is_set_by_the_organization_admin_within_bounds(world):
    admin = org_admin(world)
    assert retention_organizations(admin) == [world.org_b]
    assert retention_days(world.org_b.pk) == DEFAULT_RETENTION_DAYS
    retention_set(actor=admin, organization=world.org_b, days=365)
    assert retention_days(world.org_b.pk) == 365
    retention_set(actor=admin, organization=world.org_b, days=0)
    assert retention_days(world.org_b.pk) == 0
    events = AuditEvent.objects.filter(action="case_retention.set").order_by("id")
    assert [e.detail for e in events] == [
        {"days_after_closure": 365, "before": None},
        {"days_after_closure": 0, "before": 365},
    ]
    for bad in (-1, MAX_RETENTION_DAYS + 1):
        with pytest.raises(FieldError) as exc:
            retention_set(actor=admin, organization=world.org_b, days=bad)
        assert exc.value.field == "days_after_closure"
    retention_set(actor=admin, organization=world.org_b, days=MAX_RETENTION_DAYS)
    assert retention_days(world.org_b.pk) == MAX_RETENTION_DAYS


def test_only_the_organization_admin_sets_its_schedule(world):
    for user in (supervisor(world), world["provider_b"].user, org_admin(world, "c")):
        assert retention_organizations(user) in ([], [world.org_c])
        with pytest.raises(NotFound):
            retention_set(actor=user, organization=world.org_b, days=10)
    assert retention_days(world.org_b.pk) == DEFAULT_RETENTION_DAYS
