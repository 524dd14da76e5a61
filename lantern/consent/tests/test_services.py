from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.consent.models import CATEGORIES, ConsentRecord, Method
from lantern.consent.services import consent_attach, consent_record, consent_revoke
from lantern.consent.tests.factories import ConsentFactory

pytestmark = pytest.mark.django_db


def _valid(world, **overrides):
    kwargs = {
        "recipient": world.org_b,
        "granted_by_organization": world.org_a,
        "categories": ["name", "contact"],
        "purpose": "referral to services",
        "method": Method.WRITTEN,
        "expires_at": timezone.now() + timedelta(days=30),
        "actor": world["advocate_a"].user,
    }
    kwargs.update(overrides)
    return kwargs


def _field_of(excinfo) -> list[str]:
    return list(excinfo.value.message_dict)


def test_it_records_a_consent_and_an_audit_event(world):
    consent = consent_record(**_valid(world, categories=["contact", "name", "contact"]))
    consent.refresh_from_db()
    assert consent.recipient == world.org_b
    assert consent.granted_by_organization == world.org_a
    assert consent.attested_by == world["advocate_a"].user
    # Stored once each, in catalogue order.
    assert consent.categories == ["name", "contact"]
    assert consent.revoked_at is None and consent.subject_type == ""
    event = AuditEvent.objects.get(action="consent.record")
    assert event.object_type == "consent" and event.object_id == str(consent.pk)
    assert event.actor == world["advocate_a"].user
    assert event.detail["categories"] == ["name", "contact"]
    assert event.detail["recipient_id"] == str(world.org_b.pk)
    # The purpose is free text: it stays out of the audit trail.
    assert "referral to services" not in str(event.detail)


def test_it_records_a_subject_given_at_once(world):
    consent = consent_record(**_valid(world, subject_type="referral", subject_id="r-1"))
    assert (consent.subject_type, consent.subject_id) == ("referral", "r-1")


def test_it_accepts_every_catalogue_category_and_recorded_verbal_consent(world):
    consent = consent_record(
        **_valid(world, categories=list(CATEGORIES), method=Method.VERBAL_RECORDED)
    )
    assert consent.categories == list(CATEGORIES)
    assert consent.method == "verbal_recorded"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"categories": []}, "categories"),
        ({"categories": ["name", "address"]}, "categories"),
        ({"categories": "name"}, "categories"),
        ({"categories": [None]}, "categories"),
        ({"purpose": ""}, "purpose"),
        ({"purpose": "   "}, "purpose"),
        ({"purpose": "x" * 121}, "purpose"),
        ({"purpose": "referral\x00"}, "purpose"),
        ({"method": "implied"}, "method"),
        ({"method": ""}, "method"),
        ({"expires_at": None}, "expires_at"),
        ({"expires_at": "2030-01-01"}, "expires_at"),
        ({"expires_at": datetime(2099, 1, 1)}, "expires_at"),  # noqa: DTZ001 - naive on purpose
        ({"subject_type": "referral"}, "subject_id"),
        ({"subject_id": "r-1"}, "subject_type"),
        ({"subject_type": "r" * 41, "subject_id": "1"}, "subject_type"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(world, override, field):
    with pytest.raises(ValidationError) as excinfo:
        consent_record(**_valid(world, **override))
    assert _field_of(excinfo) == [field]
    assert not ConsentRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.record").exists()


def test_it_refuses_consent_without_expiry(world):
    kwargs = _valid(world)
    kwargs["expires_at"] = None
    with pytest.raises(ValidationError) as excinfo:
        consent_record(**kwargs)
    assert excinfo.value.message_dict == {"expires_at": ["consent must have an end date"]}


def test_it_refuses_expiry_in_the_past_or_now(world):
    for when in (timezone.now() - timedelta(seconds=1), timezone.now() - timedelta(days=3)):
        with pytest.raises(ValidationError) as excinfo:
            consent_record(**_valid(world, expires_at=when))
        assert _field_of(excinfo) == ["expires_at"]


@override_settings(LANTERN_CONSENT_MAX_DAYS=10)
def test_it_refuses_expiry_beyond_the_longest_allowed(world):
    with pytest.raises(ValidationError) as excinfo:
        consent_record(**_valid(world, expires_at=timezone.now() + timedelta(days=10, hours=1)))
    assert _field_of(excinfo) == ["expires_at"]
    assert "10 days" in excinfo.value.message_dict["expires_at"][0]
    ok = consent_record(**_valid(world, expires_at=timezone.now() + timedelta(days=9)))
    assert ok.pk


def test_it_takes_expiry_in_any_time_zone(world):
    from zoneinfo import ZoneInfo

    when = (timezone.now() + timedelta(days=2)).astimezone(ZoneInfo("America/Chicago"))
    consent = consent_record(**_valid(world, expires_at=when))
    consent.refresh_from_db()
    assert consent.expires_at == when


@pytest.mark.parametrize("persona", ["provider_b", "provider_c", "coalition_admin", "anonymous"])
def test_only_a_member_of_the_granting_organization_attests(world, persona):
    with pytest.raises(ValidationError) as excinfo:
        consent_record(**_valid(world, actor=world[persona].user))
    assert _field_of(excinfo) == ["granted_by_organization"]


def test_attach_sets_the_subject_once(world):
    consent = consent_record(**_valid(world))
    consent_attach(
        consent=consent, subject_type="referral", subject_id="r-1", actor=world["advocate_a"].user
    )
    consent.refresh_from_db()
    assert (consent.subject_type, consent.subject_id) == ("referral", "r-1")
    event = AuditEvent.objects.get(action="consent.attach")
    assert event.detail == {"subject_type": "referral", "subject_id": "r-1"}
    # The same subject again: nothing changes, no second event.
    consent_attach(
        consent=consent, subject_type="referral", subject_id="r-1", actor=world["advocate_a"].user
    )
    assert AuditEvent.objects.filter(action="consent.attach").count() == 1


def test_attach_refuses_another_subject(world):
    consent = consent_record(**_valid(world, subject_type="referral", subject_id="r-1"))
    for other in (("referral", "r-2"), ("case", "r-1")):
        with pytest.raises(ValidationError) as excinfo:
            consent_attach(
                consent=consent,
                subject_type=other[0],
                subject_id=other[1],
                actor=world["advocate_a"].user,
            )
        assert _field_of(excinfo) == ["subject_id"]
    consent.refresh_from_db()
    assert consent.subject_id == "r-1"
    assert not AuditEvent.objects.filter(action="consent.attach").exists()


def test_attach_refuses_blank_subject(world):
    consent = consent_record(**_valid(world))
    with pytest.raises(ValidationError) as excinfo:
        consent_attach(consent=consent, subject_type="", subject_id="", actor=None)
    assert _field_of(excinfo) == ["subject_type"]


def test_attach_refuses_a_withdrawn_or_expired_consent(world):
    revoked = ConsentFactory(revoked_at=timezone.now(), revoke_reason="withdrawn")
    expired = ConsentFactory(
        created=timezone.now() - timedelta(days=3), expires_at=timezone.now() - timedelta(days=1)
    )
    for consent in (revoked, expired):
        with pytest.raises(ValidationError) as excinfo:
            consent_attach(consent=consent, subject_type="referral", subject_id="r", actor=None)
        assert _field_of(excinfo) == ["consent"]


def test_revoke_withdraws_and_audits(world):
    consent = consent_record(**_valid(world))
    user = world["advocate_a"].user
    before = timezone.now()
    result = consent_revoke(consent=consent, actor=user, reason="withdrawn")
    consent.refresh_from_db()
    assert consent.revoked_at is not None and consent.revoked_at >= before
    assert consent.revoked_by == user and consent.revoke_reason == "withdrawn"
    assert result.revoked_at == consent.revoked_at
    event = AuditEvent.objects.get(action="consent.revoke")
    assert event.actor == user and event.object_id == str(consent.pk)
    assert event.detail["reason"] == "withdrawn"


def test_revoking_twice_keeps_the_first_withdrawal_and_writes_one_event(world):
    consent = consent_record(**_valid(world))
    first = consent_revoke(consent=consent, actor=world["advocate_a"].user, reason="withdrawn")
    again = consent_revoke(consent=consent, actor=world["coalition_admin"].user, reason="other")
    assert again.revoked_at == first.revoked_at
    assert again.revoked_by == world["advocate_a"].user
    assert again.revoke_reason == "withdrawn"
    assert AuditEvent.objects.filter(action="consent.revoke").count() == 1


def test_revoke_refuses_an_unknown_reason(world):
    consent = consent_record(**_valid(world))
    with pytest.raises(ValidationError) as excinfo:
        consent_revoke(consent=consent, actor=world["advocate_a"].user, reason="he asked me to")
    assert _field_of(excinfo) == ["reason"]
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_revoke_without_reason(world):
    consent = consent_record(**_valid(world))
    consent_revoke(consent=consent, actor=world["advocate_a"].user)
    consent.refresh_from_db()
    assert consent.revoked_at is not None and consent.revoke_reason == ""


def test_audit_event_rolls_back_with_the_change(world, monkeypatch):
    from lantern.consent import services

    def boom(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        consent_record(**_valid(world))
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"categories": []},
        {"purpose": ""},
        {"method": "implied"},
        {"subject_type": "referral", "subject_id": ""},
        {"revoke_reason": "withdrawn"},
        {"expires_at": datetime(2000, 1, 1, tzinfo=UTC)},
    ],
)
def test_database_refuses_what_the_service_refuses(world, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentFactory(**fields)
