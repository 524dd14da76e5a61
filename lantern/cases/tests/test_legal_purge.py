"""`lantern cases purge`: which cases are due, legal holds, batches, dry runs, the clock."""

from datetime import date, timedelta

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.cases.legal_selectors import DEFAULT_RETENTION_DAYS
from lantern.cases.legal_services import legal_hold_place, legal_hold_release, retention_set
from lantern.cases.models import Case, CaseKey, LegalHold
from lantern.cases.retention import due_cases, parse_now, purge_due
from lantern.cases.tests.factories import supervisor
from lantern.cases.tests.legal_factories import closed_case, open_case, org_admin, run_purge

pytestmark = pytest.mark.django_db


def _purged(case: Case) -> bool:
    case.refresh_from_db()
    return case.purged_at is not None and not CaseKey.objects.filter(case_id=case.pk).exists()


def _schedule(world, days: int, org: str = "b") -> None:
    admin = org_admin(world, org)
    retention_set(actor=admin, organization=getattr(world, f"org_{org}"), days=days)


def test_a_case_is_due_once_closed_for_its_organizations_schedule(world, monkeypatch):
    _schedule(world, 30)
    on_the_day = closed_case(world, days_ago=30, alias="Ana Uno")
    a_day_short = closed_case(world, days_ago=29, alias="Bea Dos")
    still_open = open_case(world, alias="Cleo Tres")
    output = run_purge(monkeypatch)
    assert "purged 1 cases in 1 batches" in output
    assert _purged(on_the_day)
    assert not _purged(a_day_short)
    assert not _purged(still_open)


def test_without_a_schedule_the_default_applies(world):
    today = timezone.localdate()
    kept = closed_case(world, days_ago=DEFAULT_RETENTION_DAYS - 1, alias="Dora Cuatro")
    due = closed_case(world, days_ago=DEFAULT_RETENTION_DAYS, alias="Eva Cinco")
    assert set(due_cases(today)) == {due}
    assert kept not in due_cases(today)


def test_each_organization_has_its_own_schedule(world):
    _schedule(world, 10, org="b")
    _schedule(world, 100, org="c")
    b_case = closed_case(world, days_ago=50, alias="Fe Seis")
    c_case = closed_case(
        world, days_ago=50, org="c", actor=world["provider_c"].user, alias="Gia Siete"
    )
    assert list(due_cases(timezone.localdate())) == [b_case]
    assert c_case in due_cases(timezone.localdate() + timedelta(days=50))


def test_a_zero_day_schedule_purges_at_the_next_run(world):
    _schedule(world, 0)
    case = closed_case(world, days_ago=0, alias="Hana Ocho")
    assert list(due_cases(timezone.localdate())) == [case]


def test_a_legal_hold_in_force_stops_the_purge_of_that_case(world, monkeypatch):
    _schedule(world, 1)
    held = closed_case(world, days_ago=10, alias="Ines Nueve")
    free = closed_case(world, days_ago=10, alias="Juno Diez")
    boss = supervisor(world)
    until = timezone.localdate() + timedelta(days=5)
    legal_hold_place(actor=boss, case=held, reason="court case 12", until=until)
    output = run_purge(monkeypatch)
    assert "kept under a legal hold: 1" in output
    assert _purged(free)
    assert not _purged(held)
    # The hold keeps the case through its last day, not after.
    run_purge(monkeypatch, "--now", until.isoformat())
    assert not _purged(held)
    run_purge(monkeypatch, "--now", (until + timedelta(days=1)).isoformat())
    assert _purged(held)


def test_a_released_hold_no_longer_stops_the_purge(world, monkeypatch):
    _schedule(world, 1)
    case = closed_case(world, days_ago=10, alias="Kira Once")
    boss = supervisor(world)
    hold = legal_hold_place(
        actor=boss, case=case, reason="audit", until=timezone.localdate() + timedelta(days=90)
    )
    run_purge(monkeypatch)
    assert not _purged(case)
    legal_hold_release(actor=boss, hold=hold)
    run_purge(monkeypatch)
    assert _purged(case)
    assert LegalHold.objects.filter(case=case).count() == 1  # the record stays


def test_dry_run_counts_and_writes_nothing(world, monkeypatch):
    _schedule(world, 1)
    cases = [closed_case(world, days_ago=5, alias=f"Luz Doce {i}") for i in range(3)]
    events = AuditEvent.objects.count()
    output = run_purge(monkeypatch, "--dry-run")
    assert "cases past their retention schedule: 3" in output
    assert "dry run: would purge 3 cases; nothing was written" in output
    assert AuditEvent.objects.count() == events
    assert not any(_purged(case) for case in cases)


def test_batches_write_one_audit_event_each_naming_their_cases(world, monkeypatch):
    _schedule(world, 1)
    cases = [closed_case(world, days_ago=5, alias=f"Mia Trece {i}") for i in range(5)]
    output = run_purge(monkeypatch, "--batch-size", "2")
    assert "purged 5 cases in 3 batches" in output
    events = list(AuditEvent.objects.filter(action="case.purge").order_by("id"))
    assert [e.detail["count"] for e in events] == [2, 2, 1]
    named = [case_id for e in events for case_id in e.detail["case_ids"]]
    assert sorted(named) == sorted(str(c.pk) for c in cases)
    assert all(_purged(c) for c in cases)
    # A second run finds nothing more to do.
    assert "purged 0 cases in 0 batches" in run_purge(monkeypatch)


def test_now_moves_the_clock(world, monkeypatch):
    case = closed_case(world, days_ago=0, alias="Nia Catorce")
    later = timezone.localdate() + timedelta(days=DEFAULT_RETENTION_DAYS)
    run_purge(monkeypatch, "--now", (later - timedelta(days=1)).isoformat())
    assert not _purged(case)
    run_purge(monkeypatch, "--now", f"{later.isoformat()}T12:00:00")
    assert _purged(case)


def test_now_must_be_iso():
    with pytest.raises(CommandError, match="--now"):
        parse_now("next tuesday")
    assert parse_now("2031-02-03").date() == date(2031, 2, 3)
    assert timezone.is_aware(parse_now("2031-02-03T04:05:06"))


def test_purge_due_skips_cases_already_purged(world):
    _schedule(world, 1)
    case = closed_case(world, days_ago=5, alias="Olga Quince")
    first = purge_due()
    assert (first.purged, first.batches) == (1, 1)
    second = purge_due()
    assert (second.due, second.purged) == (0, 0)
    case.refresh_from_db()
    assert case.purged_at is not None


def test_a_merged_case_goes_only_with_the_case_it_was_merged_into(world, monkeypatch):
    from lantern.cases.supervision import case_merge

    _schedule(world, 1)
    keep = open_case(world, alias="Pilar Dieciseis")
    merged = open_case(world, alias="Pilar Dieciseis B")
    case_merge(actor=supervisor(world), keep=keep, merge=merged)
    Case.objects.filter(pk=merged.pk).update(closed_on=timezone.localdate() - timedelta(days=5))
    output = run_purge(monkeypatch)
    assert "merged into a case that is kept: 1" in output
    assert not _purged(merged)
    # Once the surviving case is due, both go in the same run.
    Case.objects.filter(pk=keep.pk).update(
        status="Closed", closed_on=timezone.localdate() - timedelta(days=5)
    )
    assert "purged 2 cases" in run_purge(monkeypatch)
    assert _purged(keep) and _purged(merged)
