from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.consent.services import consent_revoke
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound
from lantern.directory.models import ServiceCapacity
from lantern.referrals import services
from lantern.referrals.models import Hold, HoldState, Referral, ReferralEvent, Status
from lantern.referrals.selectors import personal_view, referral_for_user
from lantern.referrals.services import (
    NoUnitOpen,
    TransitionNotAllowed,
    referral_create,
    referral_mark_viewed,
    referral_transition,
    referrals_purge,
    referrals_tick,
)
from lantern.referrals.tests.factories import SHARED, consent_for, send

pytestmark = pytest.mark.django_db


def available(world) -> int:
    return ServiceCapacity.objects.get(service_id=world.b_public.service_id).available


def test_an_opaque_referral_needs_no_consent_and_carries_no_personal_items(world):
    referral = send(world)
    assert referral.status == Status.SENT
    assert referral.consent is None and referral.shared == ""
    assert referral.receiving_organization == world.org_b
    assert referral.referring_organization == world.org_a
    assert ReferralEvent.objects.filter(referral=referral, to_status=Status.SENT).count() == 1
    assert AuditEvent.objects.filter(action="referral.create", object_id=referral.pk).exists()


def test_a_hold_takes_one_unit_at_once(world):
    before = available(world)
    referral = send(world, hold=True)
    assert available(world) == before - 1
    hold = Hold.objects.get(referral=referral)
    assert hold.state == HoldState.ACTIVE
    assert timedelta(minutes=89) < hold.expires_at - timezone.now() <= timedelta(minutes=90)


def test_a_hold_on_a_full_service_fails_and_leaves_nothing(world):
    ServiceCapacity.objects.filter(service_id=world.b_public.service_id).update(available=0)
    with pytest.raises(NoUnitOpen):
        send(world, hold=True)
    assert Referral.objects.count() == 0
    assert available(world) == 0


def test_personal_items_without_consent_are_refused(world):
    with pytest.raises(FieldError) as caught:
        referral_create(
            actor=world["advocate_a"].user,
            service_id=world.b_public.service_id,
            needs={},
            shared=SHARED,
            consent=None,
            hold=False,
        )
    assert caught.value.field == "consent"
    assert Referral.objects.count() == 0


def test_items_outside_the_consents_categories_are_refused(world):
    with pytest.raises(FieldError) as caught:
        referral_create(
            actor=world["advocate_a"].user,
            service_id=world.b_public.service_id,
            needs={},
            shared=SHARED,
            consent=consent_for(["name"]),
            hold=True,
        )
    assert caught.value.field == "shared.contact"
    assert Referral.objects.count() == 0
    assert available(world) == 3  # the hold taken before the error was rolled back


def test_consent_without_expiry_is_refused_naming_the_field(world):
    consent = consent_for()
    with pytest.raises(FieldError) as caught:
        referral_create(
            actor=world["advocate_a"].user,
            service_id=world.b_public.service_id,
            needs={},
            shared=SHARED,
            consent=services.ConsentInput(
                categories=consent.categories,
                purpose=consent.purpose,
                method=consent.method,
                expires_at=None,
            ),
            hold=False,
        )
    assert caught.value.field == "consent.expires_at"


def test_people_who_do_not_refer_cannot_send(world):
    for name in ("analyst",):
        with pytest.raises(NotFound):
            referral_create(
                actor=world[name].user,
                service_id=world.b_public.service_id,
                needs={},
                shared={},
                consent=None,
                hold=False,
            )


def test_a_crash_after_the_hold_leaves_neither_hold_nor_referral(world):
    with (
        mock.patch.object(services.ReferralEvent.objects, "create", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        send(world, hold=True)
    assert Referral.objects.count() == 0 and Hold.objects.count() == 0
    assert available(world) == 3


def test_the_receiver_sees_shared_items_only_while_consent_holds(world):
    referral = send(world, shared=True)
    provider = world["provider_b"].user
    assert personal_view(provider, referral).shared == SHARED
    consent_revoke(consent=referral.consent, actor=world["advocate_a"].user)
    referral.refresh_from_db()
    assert personal_view(provider, referral).shared == {}
    # The referring side entered them and still sees them until the purge.
    assert personal_view(world["advocate_a"].user, referral).shared == SHARED
    assert AuditEvent.objects.filter(action="referral.read_personal").count() >= 2


def test_the_receiver_sees_nothing_shared_after_consent_expires(world):
    referral = send(world, shared=True)
    type(referral.consent).objects.filter(pk=referral.consent_id).update(
        created=timezone.now() - timedelta(days=2), expires_at=timezone.now() - timedelta(seconds=1)
    )
    referral.refresh_from_db()
    assert personal_view(world["provider_b"].user, referral).shared == {}


def test_only_the_two_organizations_see_a_referral(world):
    referral = send(world)
    for name in ("advocate_a", "provider_b"):
        assert referral_for_user(world[name].user, referral.pk) == referral
    for name in ("provider_c", "coalition_admin", "analyst"):
        with pytest.raises(NotFound):
            referral_for_user(world[name].user, referral.pk)


def test_the_lifecycle_to_intake(world):
    referral = send(world, hold=True)
    provider = world["provider_b"].user
    assert referral_mark_viewed(referral=referral, actor=provider)
    referral_transition(referral=referral, actor=provider, status=Status.ACCEPTED)
    referral.refresh_from_db()
    assert referral.hold.state == HoldState.KEPT
    assert available(world) == 2  # accepted: the unit stays taken
    when = timezone.now() + timedelta(days=1)
    referral_transition(
        referral=referral, actor=provider, status=Status.INTAKE_SCHEDULED, intake_at=when
    )
    referral_transition(referral=referral, actor=provider, status=Status.INTAKE_COMPLETED)
    referral.refresh_from_db()
    assert referral.status == Status.INTAKE_COMPLETED and referral.closed_at is not None
    assert list(referral.events.values_list("to_status", flat=True)) == [
        "sent",
        "viewed",
        "accepted",
        "intake_scheduled",
        "intake_completed",
    ]
    actions = set(AuditEvent.objects.filter(object_id=referral.pk).values_list("action", flat=True))
    assert {"referral.viewed", "referral.accepted", "referral.intake_completed"} <= actions


def test_answering_an_unopened_referral_passes_through_viewed(world):
    referral = send(world)
    referral_transition(referral=referral, actor=world["provider_b"].user, status=Status.WAITLISTED)
    referral.refresh_from_db()
    assert referral.viewed_at is not None and referral.responded_at is not None
    assert list(referral.events.values_list("to_status", flat=True)) == [
        "sent",
        "viewed",
        "waitlisted",
    ]


def test_it_refuses_decline_without_reason(world):
    referral = send(world)
    with pytest.raises(FieldError) as caught:
        referral_transition(referral=referral, actor=world["provider_b"].user, status="declined")
    assert caught.value.field == "reason"
    referral.refresh_from_db()
    assert referral.status == Status.SENT


@pytest.mark.parametrize("target", ["declined", "withdrawn", "waitlisted"])
def test_the_hold_returns_on_decline_withdraw_and_waitlist(world, target):
    referral = send(world, hold=True)
    actor = world["advocate_a" if target == "withdrawn" else "provider_b"].user
    referral_transition(
        referral=referral,
        actor=actor,
        status=target,
        reason="no_capacity" if target == "declined" else "",
    )
    referral.refresh_from_db()
    assert referral.hold.state == HoldState.RELEASED
    assert available(world) == 3


def test_sides_make_only_their_own_moves(world):
    referral = send(world)
    with pytest.raises(TransitionNotAllowed):
        referral_transition(
            referral=referral, actor=world["advocate_a"].user, status=Status.ACCEPTED
        )
    with pytest.raises(TransitionNotAllowed):
        referral_transition(
            referral=referral, actor=world["provider_b"].user, status=Status.WITHDRAWN
        )
    with pytest.raises(NotFound):
        referral_transition(
            referral=referral, actor=world["provider_c"].user, status=Status.ACCEPTED
        )


def test_a_closed_referral_does_not_move(world):
    referral = send(world)
    referral_transition(referral=referral, actor=world["advocate_a"].user, status="withdrawn")
    with pytest.raises(TransitionNotAllowed):
        referral_transition(referral=referral, actor=world["provider_b"].user, status="accepted")


def test_new_referrals_and_changes_notify_without_personal_data(
    world, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        referral = send(world, shared=True)
    to_provider = [m for m in mail.outbox if world["provider_b"].user.email in m.to]
    assert len(to_provider) == 1
    with django_capture_on_commit_callbacks(execute=True):
        referral_transition(referral=referral, actor=world["provider_b"].user, status="accepted")
    to_advocate = [m for m in mail.outbox if world["advocate_a"].user.email in m.to]
    assert len(to_advocate) == 1
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in [*SHARED.values(), "Rosa", world.b_public.service.name, "shelter"]:
            assert secret.lower() not in text.lower()


def test_the_tick_releases_expired_holds(world):
    referral = send(world, hold=True)
    report = referrals_tick(now=timezone.now() + timedelta(minutes=91))
    assert report.holds_released == 1
    referral.refresh_from_db()
    assert referral.hold.state == HoldState.RELEASED and referral.hold.end_reason == "expired"
    assert referral.status == Status.SENT  # the referral itself stays open
    assert available(world) == 3
    assert referrals_tick(now=timezone.now() + timedelta(minutes=92)).holds_released == 0


def test_a_release_never_goes_above_the_maximum(world):
    send(world, hold=True)
    ServiceCapacity.objects.filter(service_id=world.b_public.service_id).update(
        available=10, maximum=10
    )
    referrals_tick(now=timezone.now() + timedelta(minutes=91))
    assert available(world) == 10


@override_settings(LANTERN_REFERRAL_REMIND_MINUTES=30, LANTERN_REFERRAL_ESCALATE_MINUTES=120)
def test_unviewed_referrals_remind_once_then_escalate_once(
    world, django_capture_on_commit_callbacks
):
    referral = send(world)
    mail.outbox.clear()
    start = timezone.now()
    assert referrals_tick(now=start + timedelta(minutes=10)).reminded == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert referrals_tick(now=start + timedelta(minutes=31)).reminded == 1
    assert referrals_tick(now=start + timedelta(minutes=40)).reminded == 0
    provider_mail = [m for m in mail.outbox if world["provider_b"].user.email in m.to]
    assert len(provider_mail) == 1
    with django_capture_on_commit_callbacks(execute=True):
        report = referrals_tick(now=start + timedelta(minutes=121))
    assert report.escalated == 1
    admin_mail = [m for m in mail.outbox if world["coalition_admin"].user.email in m.to]
    assert len(admin_mail) == 1
    assert referrals_tick(now=start + timedelta(minutes=130)).escalated == 0
    referral.refresh_from_db()
    assert referral.reminded_at and referral.escalated_at


def test_a_viewed_referral_is_not_escalated(world):
    referral = send(world)
    referral_mark_viewed(referral=referral, actor=world["provider_b"].user)
    report = referrals_tick(now=timezone.now() + timedelta(hours=3))
    assert report.reminded == 0 and report.escalated == 0


@override_settings(LANTERN_REFERRAL_EXPIRE_HOURS=72)
def test_unanswered_referrals_expire_and_release(world):
    referral = send(world, hold=True)
    accepted = send(world)
    referral_transition(referral=accepted, actor=world["provider_b"].user, status="accepted")
    report = referrals_tick(now=timezone.now() + timedelta(hours=73))
    assert report.expired == 1
    referral.refresh_from_db()
    accepted.refresh_from_db()
    assert referral.status == Status.EXPIRED and referral.closed_at is not None
    assert accepted.status == Status.ACCEPTED


@override_settings(LANTERN_REFERRAL_RETENTION_DAYS=30)
def test_the_purge_empties_personal_items_and_keeps_the_timeline(world):
    referral = send(world, shared=True)
    referral_transition(
        referral=referral,
        actor=world["provider_b"].user,
        status="declined",
        reason="not_eligible",
        note="Spoke with Rosa",
    )
    assert referrals_purge(now=timezone.now() + timedelta(days=29)) == 0
    assert referrals_purge(now=timezone.now() + timedelta(days=31)) == 1
    referral.refresh_from_db()
    assert (referral.needs, referral.shared, referral.note) == ("", "", "")
    assert referral.purged_at is not None
    assert referral.decline_reason == "not_eligible" and referral.responded_at is not None
    assert personal_view(world["advocate_a"].user, referral).shared == {}
    # An open referral is never purged, however old (only its shared items go once their
    # consent has ended, see the next tests).
    open_one = send(world, shared=True)
    assert referrals_purge(now=timezone.now() + timedelta(days=400)) == 0
    open_one.refresh_from_db()
    assert open_one.needs and open_one.purged_at is None


def test_personal_fields_are_encrypted_at_rest(world):
    from django.db.models import TextField
    from django.db.models.functions import Cast

    referral = send(world, shared=True)
    needs, shared = (
        Referral.objects.filter(pk=referral.pk)
        .annotate(raw_needs=Cast("needs", TextField()), raw_shared=Cast("shared", TextField()))
        .values_list("raw_needs", "raw_shared")
        .get()
    )
    assert needs.startswith("enc1:") and shared.startswith("enc1:")
    assert "Rosa" not in shared


def test_the_tick_command_prints_what_it_did(world, capsys):
    import json

    from django.core.management import call_command

    referral = send(world, hold=True)
    Hold.objects.filter(referral=referral).update(expires_at=timezone.now() - timedelta(1))
    call_command("referrals", "tick")
    report = json.loads(capsys.readouterr().out)
    assert report["holds_released"] == 1
    assert available(world) == 3


def test_the_provider_is_warned_once_before_an_unanswered_hold_lapses(
    world, django_capture_on_commit_callbacks
):
    referral = send(world, hold=True)
    answered = send(world, hold=True)
    referral_transition(referral=answered, actor=world["provider_b"].user, status="waitlisted")
    mail.outbox.clear()
    start = timezone.now()
    assert referrals_tick(now=start + timedelta(minutes=60)).holds_warned == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert referrals_tick(now=start + timedelta(minutes=76)).holds_warned == 1
    assert referrals_tick(now=start + timedelta(minutes=80)).holds_warned == 0
    warned = [m for m in mail.outbox if world["provider_b"].user.email in m.to]
    assert len(warned) == 1 and "soon" in warned[0].subject
    assert str(referral.pk) in warned[0].body


@pytest.mark.parametrize(("last", "returned"), [("no_show", True), ("intake_completed", False)])
def test_a_kept_place_returns_when_the_person_does_not_come(world, last, returned):
    referral = send(world, hold=True)
    provider = world["provider_b"].user
    referral_transition(referral=referral, actor=provider, status="accepted")
    assert available(world) == 2
    referral_transition(
        referral=referral,
        actor=provider,
        status="intake_scheduled",
        intake_at=timezone.now() + timedelta(days=1),
    )
    referral_transition(referral=referral, actor=provider, status=last)
    assert available(world) == (3 if returned else 2)
    referral.refresh_from_db()
    assert referral.hold.state == (HoldState.RELEASED if returned else HoldState.KEPT)


def test_withdrawing_after_acceptance_returns_the_kept_place(world):
    referral = send(world, hold=True)
    referral_transition(referral=referral, actor=world["provider_b"].user, status="accepted")
    referral_transition(referral=referral, actor=world["advocate_a"].user, status="withdrawn")
    assert available(world) == 3


@override_settings(LANTERN_REFERRAL_RETENTION_DAYS=30)
def test_shared_items_go_when_consent_ended_long_enough_ago_even_if_open(world):
    referral = send(world, shared=True)
    referral_transition(referral=referral, actor=world["provider_b"].user, status="waitlisted")
    consent_revoke(consent=referral.consent, actor=world["advocate_a"].user)
    assert referrals_purge(now=timezone.now() + timedelta(days=29)) == 0
    referral.refresh_from_db()
    assert referral.shared
    referrals_purge(now=timezone.now() + timedelta(days=31))
    referral.refresh_from_db()
    assert referral.shared == "" and referral.status == Status.WAITLISTED
    assert referral.needs  # the referral is still open: its needs stay
    assert AuditEvent.objects.filter(action="referral.purge_shared").exists()
