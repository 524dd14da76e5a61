"""notify_users / notify_organization_staff: who is told, on which channel, and when."""

import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from lantern.accounts.models import Organization, Role
from lantern.accounts.services import membership_add
from lantern.notify import delivery
from lantern.notify.models import Channel, Notification
from lantern.notify.services import notify_organization_staff, notify_users
from lantern.notify.sms import MemorySmsBackend
from lantern.testing import UserFactory

LINK = "/referrals/inbox/6f1c2d8e-0000-4000-8000-000000000001/"
NUMBER = "+13125550142"


class ExplodingSmsBackend:
    def send(self, message):
        raise ConnectionRefusedError(f"could not text {message.to}: {message.body}")


class ExplodingEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ValueError(f"bad address {messages[0].to[0]}")


class LanguageRecordingEmailBackend:
    """Records the language active while the message is handed over."""

    languages: list[str | None] = []

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        LanguageRecordingEmailBackend.languages.append(translation.get_language())
        return len(messages)


@pytest.fixture
def rosa(db):
    return UserFactory(
        email="rosa.fictional@example.test", display_name="Rosa Fictional", sms_number=NUMBER
    )


@pytest.fixture
def mail_only(db):
    return UserFactory(email="sam.fictional@example.test", display_name="Sam Fictional")


@pytest.mark.django_db
def test_one_notification_per_user_and_channel(rosa, mail_only):
    rows = notify_users(users=[rosa, mail_only, rosa], kind="referral_new", link_path=LINK)
    assert sorted((n.recipient_id == rosa.pk, n.channel) for n in rows) == [
        (False, Channel.EMAIL),
        (True, Channel.EMAIL),
        (True, Channel.SMS),
    ]
    assert Notification.objects.count() == 3
    stored = Notification.objects.get(recipient=rosa, channel=Channel.SMS)
    assert (stored.kind, stored.link_path, stored.error) == ("referral_new", LINK, "")
    assert stored.handed_at is None and stored.failed_at is None


@pytest.mark.django_db
def test_no_body_address_or_number_is_stored(rosa):
    notify_users(users=[rosa], kind="referral_new", link_path=LINK)
    row = Notification.objects.filter(recipient=rosa).values().first()
    text = " ".join(str(value) for value in row.values())
    for secret in (rosa.email, NUMBER, "Rosa", "new request"):
        assert secret not in text
    field_names = {f.name for f in Notification._meta.get_fields()}
    assert field_names == {
        "id",
        "recipient",
        "channel",
        "kind",
        "link_path",
        "created",
        "handed_at",
        "failed_at",
        "error",
    }


@pytest.mark.django_db
def test_inactive_users_are_not_notified(rosa):
    rosa.is_active = False
    rosa.save(update_fields=["is_active"])
    assert notify_users(users=[rosa], kind="referral_new", link_path=LINK) == []


@pytest.mark.django_db
def test_unknown_kinds_and_foreign_links_are_refused_and_nothing_is_recorded(rosa):
    with pytest.raises(ValueError):
        notify_users(users=[rosa], kind="referral_gossip", link_path=LINK)
    with pytest.raises(ValueError):
        notify_users(users=[rosa], kind="referral_new", link_path="https://evil.example/")
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_nothing_is_sent_before_commit_then_email_and_sms_after(
    rosa, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://lantern.example.test"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = notify_users(users=[rosa], kind="referral_updated", link_path=LINK)
    assert mail.outbox == [] and MemorySmsBackend.outbox == []
    assert len(callbacks) == 2

    for callback in callbacks:
        callback()

    assert [m.to for m in mail.outbox] == [[rosa.email]]
    assert mail.outbox[0].subject == "A request you sent has an update"
    assert "https://lantern.example.test" + LINK in mail.outbox[0].body
    assert [
        (m.to, "https://lantern.example.test" + LINK in m.body) for m in MemorySmsBackend.outbox
    ] == [(NUMBER, True)]
    for row in rows:
        row.refresh_from_db()
        assert row.handed_at is not None and row.handed_at >= row.created
        assert row.failed_at is None


@pytest.mark.django_db
def test_sent_messages_carry_no_personal_data(rosa, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_users(users=[rosa], kind="referral_new", link_path=LINK)
    texts = [mail.outbox[0].subject, mail.outbox[0].body, MemorySmsBackend.outbox[0].body]
    for text in texts:
        for secret in ("Rosa", "Fictional", rosa.email, NUMBER, "shelter"):
            assert secret.lower() not in text.lower()


@pytest.mark.django_db
def test_it_renders_in_the_recipients_language(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = f"{__name__}.LanguageRecordingEmailBackend"
    LanguageRecordingEmailBackend.languages = []
    spanish = UserFactory(preferred_language="es")
    english = UserFactory(preferred_language="en")
    unsupported = UserFactory(preferred_language="xx")
    with django_capture_on_commit_callbacks(execute=True):
        notify_users(users=[spanish, english, unsupported], kind="referral_new", link_path=LINK)
    assert LanguageRecordingEmailBackend.languages == ["es", "en", "en"]


@pytest.mark.django_db
def test_a_failing_channel_is_recorded_by_class_name_only_and_never_raised(
    rosa, settings, caplog, django_capture_on_commit_callbacks
):
    settings.LANTERN_SMS_BACKEND = f"{__name__}.ExplodingSmsBackend"
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify_users(users=[rosa], kind="referral_reminder", link_path=LINK)

    by_channel = {row.channel: row for row in rows}
    for row in rows:
        row.refresh_from_db()
    sms, email = by_channel[Channel.SMS], by_channel[Channel.EMAIL]
    assert sms.failed_at is not None and sms.handed_at is None
    assert sms.error == "ConnectionRefusedError"
    # The other channel still went out.
    assert email.handed_at is not None and email.failed_at is None and email.error == ""
    assert len(mail.outbox) == 1
    assert str(sms.pk) in caplog.text
    for secret in (NUMBER, "Rosa", rosa.email, "could not text"):
        assert secret not in caplog.text


@pytest.mark.django_db
def test_a_failing_email_backend_is_recorded_too(
    rosa, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.ExplodingEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify_users(users=[rosa], kind="referral_new", link_path=LINK)
    email = Notification.objects.get(pk=next(r.pk for r in rows if r.channel == Channel.EMAIL))
    assert (email.error, email.handed_at) == ("ValueError", None)
    assert rosa.email not in caplog.text
    assert len(MemorySmsBackend.outbox) == 1


@pytest.mark.django_db
def test_a_recipient_deactivated_before_delivery_is_not_contacted(
    rosa, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = notify_users(users=[rosa], kind="referral_new", link_path=LINK)
    rosa.is_active = False
    rosa.save(update_fields=["is_active"])
    for callback in callbacks:
        callback()
    assert mail.outbox == [] and MemorySmsBackend.outbox == []
    assert {Notification.objects.get(pk=r.pk).error for r in rows} == {"RecipientUnreachable"}


@pytest.mark.django_db
def test_delivering_twice_sends_once(rosa):
    row = notify_users(users=[rosa], kind="referral_new", link_path=LINK)[0]
    delivery.deliver_notification(row.pk)
    delivery.deliver_notification(row.pk)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_delivering_a_missing_notification_does_nothing(caplog):
    assert delivery.deliver_notification("6f1c2d8e-0000-4000-8000-00000000ffff") is None
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_queue_failure_marks_the_notification_failed(
    rosa, monkeypatch, django_capture_on_commit_callbacks
):
    class BrokenQueue:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("queue down")

    monkeypatch.setattr("lantern.notify.services.deliver", BrokenQueue())
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify_users(users=[rosa], kind="referral_new", link_path=LINK)
    assert {Notification.objects.get(pk=r.pk).error for r in rows} == {"ConnectionError"}
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)  # the worker manages its own transactions
def test_with_the_database_backend_the_worker_sends(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    rosa = UserFactory(sms_number=NUMBER)
    rows = notify_users(users=[rosa], kind="referral_new", link_path=LINK)
    assert DBTaskResult.objects.count() == 2
    assert mail.outbox == [] and MemorySmsBackend.outbox == []
    assert not Notification.objects.filter(handed_at__isnull=False).exists()

    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)

    assert len(mail.outbox) == 1 and len(MemorySmsBackend.outbox) == 1
    assert all(Notification.objects.get(pk=r.pk).handed_at for r in rows)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing():
    user = UserFactory(sms_number=NUMBER)
    with pytest.raises(RuntimeError), transaction.atomic():
        notify_users(users=[user], kind="referral_new", link_path=LINK)
        raise RuntimeError("the referral failed")
    assert mail.outbox == [] and MemorySmsBackend.outbox == []
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_is_delivered_right_after_commit():
    user = UserFactory(sms_number=NUMBER)
    with transaction.atomic():
        rows = notify_users(users=[user], kind="referral_new", link_path=LINK)
        assert mail.outbox == [] and MemorySmsBackend.outbox == []
    assert len(mail.outbox) == 1 and len(MemorySmsBackend.outbox) == 1
    assert all(Notification.objects.get(pk=r.pk).handed_at for r in rows)


@pytest.mark.django_db
def test_organization_staff_means_active_members_with_those_roles(
    django_capture_on_commit_callbacks,
):
    org = Organization.objects.create(name="Fictional Org")
    other = Organization.objects.create(name="Other Fictional Org")
    staff = UserFactory()
    admin_and_staff = UserFactory()
    advocate = UserFactory()
    gone = UserFactory(is_active=False)
    elsewhere = UserFactory()
    membership_add(user=staff, organization=org, role=Role.PROVIDER_STAFF, actor=None)
    membership_add(user=admin_and_staff, organization=org, role=Role.PROVIDER_STAFF, actor=None)
    membership_add(user=admin_and_staff, organization=org, role=Role.COALITION_ADMIN, actor=None)
    membership_add(user=advocate, organization=org, role=Role.ADVOCATE, actor=None)
    membership_add(user=gone, organization=org, role=Role.PROVIDER_STAFF, actor=None)
    membership_add(user=elsewhere, organization=other, role=Role.PROVIDER_STAFF, actor=None)

    with django_capture_on_commit_callbacks(execute=True):
        rows = notify_organization_staff(
            organization=org,
            roles=[Role.PROVIDER_STAFF, Role.COALITION_ADMIN],
            kind="referral_new",
            link_path=LINK,
        )
    assert sorted(r.recipient_id for r in rows) == sorted([staff.pk, admin_and_staff.pk])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([staff.email, admin_and_staff.email])


@pytest.mark.django_db
def test_organization_staff_needs_a_role():
    org = Organization.objects.create(name="Fictional Org")
    with pytest.raises(ValueError):
        notify_organization_staff(organization=org, roles=[], kind="referral_new", link_path=LINK)
