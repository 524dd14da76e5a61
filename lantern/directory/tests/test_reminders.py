"""`lantern capacity remind`: who is reminded, of what, how often, and in which words."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone, translation

from lantern.accounts.models import Membership, Role
from lantern.accounts.services import membership_add
from lantern.audit.models import AuditEvent
from lantern.directory import reminders
from lantern.directory.models import CapacityReminder, ServiceCapacity, ServiceStatus
from lantern.directory.reminders import REMIND_LOCK_KEY, capacity_remind
from lantern.notify.sms import MemorySmsBackend
from lantern.testing import CapacityFactory, ServiceFactory, UserFactory, link_path

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://[^\s]+/c/[^\s/]+/")
# Words that would tell someone reading a staff phone what the service is for.
REVEALING = (
    "shelter",
    "traffick",
    "bed",
    "refuge",
    "safe house",
    "victim",
    "survivor",
    "abuse",
    "emergency",
)


def _age(capacity: ServiceCapacity, hours: float) -> ServiceCapacity:
    ServiceCapacity.objects.filter(pk=capacity.pk).update(
        updated=timezone.now() - timedelta(hours=hours)
    )
    capacity.refresh_from_db()
    return capacity


@pytest.fixture
def aging(world) -> ServiceCapacity:
    """Shelter B's public capacity, 3 hours old: aging for an emergency shelter (2-8 h)."""
    return _age(world.b_public.service.capacities.get(), 3)


@pytest.fixture
def provider_b(world):
    user = world["provider_b"].user
    user.sms_number = "+13125550142"
    user.save(update_fields=["sms_number"])
    return user


def test_aging_capacity_sends_one_email_whose_link_works(world, aging):
    report = capacity_remind()

    assert report.due == 1 and report.emails == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world["provider_b"].user.email]
    assert message.subject == "Lantern: please confirm your openings"
    assert aging.service.name in message.body
    links = LINK.findall(message.body)
    assert len(links) == 1

    # Follow the link as the staff member's phone would, and confirm the number.
    client = Client(enforce_csrf_checks=True)
    path = link_path(links[0])
    page = client.get(path)
    assert page.status_code == 200
    assert ServiceCapacity.objects.get(pk=aging.pk).updated == aging.updated
    response = client.post(
        path, {"action": "confirm", "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )
    assert response.status_code == 200
    assert ServiceCapacity.objects.get(pk=aging.pk).updated > aging.updated


def test_fresh_capacities_are_not_reminded(world, aging):
    capacity_remind()
    body = mail.outbox[0].body
    assert world.b_confidential.service.name not in body
    assert [m.to for m in mail.outbox] == [[world["provider_b"].user.email]]
    fresh_ids = {
        world.b_confidential.service.capacities.get().pk,
        world.c_public.service.capacities.get().pk,
    }
    assert not CapacityReminder.objects.filter(capacity_id__in=fresh_ids).exists()


def test_nothing_due_sends_nothing_and_audits_nothing(world):
    events = AuditEvent.objects.count()
    report = capacity_remind()
    assert (report.due, report.emails, report.sms) == (0, 0, 0)
    assert mail.outbox == [] and MemorySmsBackend.outbox == []
    assert AuditEvent.objects.count() == events


def test_stale_capacity_is_reminded_too(world):
    stale = _age(world.c_public.service.capacities.get(), 30)
    report = capacity_remind()
    assert report.due == 1
    assert [m.to for m in mail.outbox] == [[world["provider_c"].user.email]]
    assert stale.service.name in mail.outbox[0].body


def test_running_twice_does_not_send_twice(world, aging, provider_b):
    first = capacity_remind()
    second = capacity_remind()
    assert (first.emails, first.sms) == (1, 1)
    assert (second.due, second.emails, second.sms) == (0, 0, 0)
    assert len(mail.outbox) == 1 and len(MemorySmsBackend.outbox) == 1
    assert set(CapacityReminder.objects.values_list("channel", flat=True)) == {"email", "sms"}
    assert CapacityReminder.objects.count() == 2


def test_one_reminder_per_time_a_figure_goes_out_of_date(world, aging, settings):
    settings.LANTERN_REMINDER_COOLDOWN_HOURS = 4
    now = timezone.now()

    def reminded_at(when) -> bool:
        before = CapacityReminder.objects.filter(capacity=aging).count()
        capacity_remind(now=when)
        return CapacityReminder.objects.filter(capacity=aging).count() > before

    assert reminded_at(now)
    # Still not updated, cooldown long over: it was already reminded about this time.
    assert not reminded_at(now + timedelta(hours=5))

    # Confirmed, then out of date again: reminded again, but never within the cooldown.
    ServiceCapacity.objects.filter(pk=aging.pk).update(updated=now + timedelta(minutes=30))
    assert not reminded_at(now + timedelta(hours=3))  # aging again, but in the cooldown
    assert reminded_at(now + timedelta(hours=4, minutes=1))


def test_sms_is_neutral_and_goes_through_the_sms_backend(world, aging, provider_b):
    capacity_remind()
    assert len(MemorySmsBackend.outbox) == 1
    sms = MemorySmsBackend.outbox[0]
    assert sms.to == "+13125550142"
    assert sms.body.startswith("Lantern: please confirm your openings")
    assert len(LINK.findall(sms.body)) == 1
    text = sms.body.lower()
    for word in REVEALING:
        assert word not in text, word
    for name in (aging.service.name, world.hsds_b.name, world.org_b.name, aging.unit.name):
        assert name.lower() not in text
    assert "@" not in sms.body


def test_sms_link_works_and_shares_its_buttons_with_the_email_link(world, aging, provider_b):
    capacity_remind()
    sms_link = LINK.findall(MemorySmsBackend.outbox[0].body)[0]
    email_link = LINK.findall(mail.outbox[0].body)[0]
    assert sms_link == email_link  # one link per person: "+1" cannot be pressed twice


def test_no_sms_without_a_number(world, aging):
    assert capacity_remind().sms == 0
    assert MemorySmsBackend.outbox == []
    assert CapacityReminder.objects.filter(channel="sms").count() == 0


def test_one_message_per_person_for_all_their_capacities(world, aging, provider_b):
    second = _age(world.b_confidential.service.capacities.get(), 4)
    report = capacity_remind()
    assert (report.due, report.recipients, report.emails, report.sms) == (2, 1, 1, 1)
    assert len(LINK.findall(mail.outbox[0].body)) == 2
    assert second.service.name in mail.outbox[0].body
    assert len(LINK.findall(MemorySmsBackend.outbox[0].body)) == 2


def test_many_capacities_get_one_sms_link_to_the_provider_page(world, aging, provider_b):
    for _ in range(reminders.SMS_MAX_LINKS):
        service = ServiceFactory(organization=world.hsds_b, types=["emergency-shelter"])
        CapacityFactory(service=service, updated=timezone.now() - timedelta(hours=3))
    capacity_remind()
    body = MemorySmsBackend.outbox[0].body
    assert LINK.findall(body) == []
    assert body.endswith("/provider/capacity/")
    assert len(LINK.findall(mail.outbox[0].body)) == reminders.SMS_MAX_LINKS + 1


def test_every_provider_staff_member_is_reminded_and_nobody_else(world, aging):
    colleague = UserFactory(email="colleague_b@example.test")
    membership_add(user=colleague, organization=world.org_b, role=Role.PROVIDER_STAFF, actor=None)
    advocate = UserFactory(email="advocate_b@example.test")
    membership_add(user=advocate, organization=world.org_b, role=Role.ADVOCATE, actor=None)
    gone = UserFactory(email="gone_b@example.test", is_active=False)
    membership_add(user=gone, organization=world.org_b, role=Role.PROVIDER_STAFF, actor=None)

    capacity_remind()
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["colleague_b@example.test", "provider_b@example.test"]
    # Each person has their own links.
    assert len({LINK.findall(m.body)[0] for m in mail.outbox}) == 2


def test_organization_without_staff_is_counted_not_recorded(world, aging):
    Membership.objects.filter(organization=world.org_b).delete()
    report = capacity_remind()
    assert (report.due, report.unreachable, report.emails) == (1, 1, 0)
    assert not CapacityReminder.objects.exists()


def test_inactive_services_are_not_reminded(world, aging):
    aging.service.status = ServiceStatus.TEMPORARILY_CLOSED
    aging.service.save(update_fields=["status"])
    assert capacity_remind().due == 0


def test_message_is_written_in_the_recipients_language(world, aging, monkeypatch):
    user = world["provider_b"].user
    user.preferred_language = "es"
    user.save(update_fields=["preferred_language"])
    languages = []

    def capture(subject, body, from_email, to):
        languages.append(translation.get_language())

    monkeypatch.setattr(reminders, "send_mail", capture)
    capacity_remind()
    assert languages == ["es"]
    assert translation.get_language() != "es"


def test_one_audit_event_per_run_with_counts_only(world, aging, provider_b):
    events = AuditEvent.objects.count()
    capacity_remind()
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "capacity.remind"
    assert event.actor is None and event.actor_label == "system:capacity-remind"
    assert event.detail == {
        "due": 1,
        "reminded": 1,
        "unreachable": 0,
        "recipients": 1,
        "emails": 1,
        "sms": 1,
        "failures": 0,
    }


def test_a_failed_email_does_not_stop_the_others(world, aging, monkeypatch):
    _age(world.c_public.service.capacities.get(), 3)
    real = reminders.send_mail

    def flaky(subject, body, from_email, to):
        if to == [world["provider_b"].user.email]:
            raise OSError("mail server unavailable")
        return real(subject, body, from_email, to)

    monkeypatch.setattr(reminders, "send_mail", flaky)
    report = capacity_remind()
    assert (report.emails, report.failures) == (1, 1)
    assert [m.to for m in mail.outbox] == [[world["provider_c"].user.email]]
    # Only the capacity that reached someone is in its cooldown.
    assert list(CapacityReminder.objects.values_list("capacity_id", flat=True)) == [
        world.c_public.service.capacities.get().pk
    ]
    with pytest.raises(CommandError, match="1 messages could not be sent"):
        call_command("capacity", "remind", stdout=StringIO())


def test_dry_run_counts_and_sends_records_and_audits_nothing(world, aging, provider_b):
    events = AuditEvent.objects.count()
    out = StringIO()
    call_command("capacity", "remind", "--dry-run", stdout=out)
    assert "1 capacities due" in out.getvalue()
    assert "would send 1 emails and 1 SMS to 1 people" in out.getvalue()
    assert mail.outbox == [] and MemorySmsBackend.outbox == []
    assert not CapacityReminder.objects.exists()
    assert AuditEvent.objects.count() == events


def test_command_sends(world, aging):
    out = StringIO()
    call_command("capacity", "remind", stdout=out)
    assert "sent 1 emails and 0 SMS to 1 people" in out.getvalue()
    assert len(mail.outbox) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="an advisory lock is PostgreSQL's")
def test_a_run_while_another_is_sending_sends_nothing(world, aging):
    """Another process (its own connection) holds the reminder lock: this run sends
    nothing; once that run is over, the next one sends."""
    import psycopg

    params = connection.get_connection_params()
    other = psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [REMIND_LOCK_KEY])
        report = capacity_remind()
        assert report.skipped and report.emails == 0 and mail.outbox == []
        other.execute("SELECT pg_advisory_unlock(%s)", [REMIND_LOCK_KEY])
    finally:
        other.close()
    assert capacity_remind().emails == 1
