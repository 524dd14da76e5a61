"""Listing verification: the overdue selector, `lantern listings unverified`, admin emails."""

from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.directory.models import Service, ServiceStatus
from lantern.directory.verification import months_before, services_unverified, unverified_notify
from lantern.testing import ServiceFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 8, 31)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 8, 31), 6, date(2026, 2, 28)),
        (date(2028, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2026, 7, 1), 12, date(2025, 7, 1)),
        (date(2026, 7, 1), 0, date(2026, 7, 1)),
    ],
)
def test_months_before_counts_calendar_months(day, months, expected):
    assert months_before(day, months) == expected


def _listing(world, name: str, assured: date | None, **fields) -> Service:
    return ServiceFactory(
        organization=world.hsds_b, name=name, assured_date=assured, assurer_email="", **fields
    )


def test_unverified_boundaries(world):
    Service.objects.update(assured_date=TODAY)  # the world's own listings are current
    never = _listing(world, "Never", None)
    day_before_cutoff = _listing(world, "Day before cutoff", date(2026, 2, 27))
    _listing(world, "On the cutoff", date(2026, 2, 28))
    _listing(world, "Day after cutoff", date(2026, 3, 1))
    _listing(world, "Today", TODAY)
    _listing(world, "Defunct", None, status=ServiceStatus.DEFUNCT)
    closed = _listing(world, "Closed for now", date(2020, 1, 1), status=ServiceStatus.INACTIVE)

    overdue = list(services_unverified(months=6, today=TODAY))

    assert overdue == [never, closed, day_before_cutoff]


def test_unverified_follows_the_number_of_months(world):
    Service.objects.update(assured_date=date(2026, 5, 30))
    assert services_unverified(months=3, today=TODAY).count() == 3
    assert services_unverified(months=4, today=TODAY).count() == 0


def test_unverified_uses_today_by_default(world):
    assert services_unverified(months=6).count() == Service.objects.count()


def test_command_prints_count_and_listings(world, settings):
    settings.LANTERN_LISTING_VERIFY_MONTHS = 6
    Service.objects.exclude(pk=world.c_public.service_id).update(assured_date=timezone.localdate())
    out = StringIO()
    call_command("listings", "unverified", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "1 listings not verified in 6 months"
    service = world.c_public.service
    assert lines[1] == f"{service.pk}\t{service.name}\t{world.hsds_c.name}\tnever"
    assert len(lines) == 2
    assert mail.outbox == []


def test_command_takes_months(world):
    out = StringIO()
    call_command("listings", "unverified", "--months", "2", stdout=out)
    assert out.getvalue().startswith("3 listings not verified in 2 months")
    with pytest.raises(CommandError):
        call_command("listings", "unverified", "--months", "0", stdout=StringIO())


def test_notify_emails_each_coalition_admin_a_summary_with_the_admin_link(world):
    out = StringIO()
    call_command("listings", "unverified", "--notify", stdout=out)
    assert "emailed 1 of 1 coalition admins" in out.getvalue()
    assert [m.to for m in mail.outbox] == [[world["coalition_admin"].user.email]]
    message = mail.outbox[0]
    assert message.subject == "Lantern: 3 listings need verifying"
    assert "/admin/directory/service/?verification=overdue" in message.body
    assert world.c_public.service.name in message.body
    assert "never verified" in message.body
    event = AuditEvent.objects.latest("id")
    assert event.action == "listing.unverified_notify"
    assert event.detail == {"unverified": 3, "months": 6, "emails": 1, "failures": 0}


def test_notify_with_nothing_overdue_sends_nothing(world):
    Service.objects.update(assured_date=timezone.localdate())
    events = AuditEvent.objects.count()
    report = unverified_notify(months=6)
    assert (report.unverified, report.emails) == (0, 0)
    assert mail.outbox == []
    assert AuditEvent.objects.count() == events
