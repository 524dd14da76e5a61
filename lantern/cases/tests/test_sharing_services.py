"""Sharing a case under consent: what is written, who may, and what the recipient sees."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.cases.models import CaseAccess, CaseShare
from lantern.cases.reading import case_read
from lantern.cases.selectors import case_for_user, reach_for
from lantern.cases.sharing_services import case_share, case_share_revoke
from lantern.cases.tests.factories import open_case, supervisor
from lantern.cases.tests.sharing_factories import ALIAS, share
from lantern.consent.models import ConsentRecord
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound
from lantern.notify.models import Notification

pytestmark = pytest.mark.django_db


def _kwargs(world, case, **overrides):
    values = {
        "actor": world["provider_b"].user,
        "case": case,
        "recipient": world.org_c,
        "groups": ["identity"],
        "purpose": "continuing services",
        "method": "written",
        "expires_at": timezone.now() + timedelta(days=30),
        "may_add_notes": False,
    }
    values.update(overrides)
    return values


def test_share_records_a_case_consent_the_share_a_disclosure_and_tells_the_recipient(world):
    case = open_case(world)
    result = share(world, case, groups=["identity", "notes"], may_add_notes=True)

    consent = result.consent
    assert consent.catalogue == "case"
    assert (consent.subject_type, consent.subject_id) == ("case", str(case.pk))
    assert consent.categories == ["identity", "notes"]
    assert consent.recipient_id == world.org_c.pk
    assert consent.granted_by_organization_id == world.org_b.pk
    assert consent.method == "written"
    assert result.may_add_notes is True
    assert result.shared_by == world["provider_b"].user
    # The share is a disclosure even though its maker is the assigned caseworker.
    row = CaseAccess.objects.get(case=case, kind="share")
    assert row.organization_id == world.org_c.pk
    assert row.actor == world["provider_b"].user
    assert row.groups == ["identity", "notes"]
    event = AuditEvent.objects.get(action="case.share", object_id=str(case.pk))
    assert event.detail["groups"] == ["identity", "notes"]
    assert event.detail["recipient_id"] == str(world.org_c.pk)
    assert "continuing services" not in json.dumps(event.detail)
    told = Notification.objects.filter(kind="case_shared")
    assert {n.recipient for n in told} == {world["provider_c"].user}
    assert {n.link_path for n in told} == {f"/cases/{case.pk}/"}


def test_recipient_sees_exactly_the_granted_groups(world):
    case = open_case(world)
    share(world, case, groups=["identity"])
    reader = world["provider_c"].user

    found, reach = case_for_user(reader, case.pk)
    assert reach.mode == "shared"
    assert reach.groups == frozenset({"identity"})
    assert reach.may_add_notes is False
    detail = case_read(actor=reader, case=found, reach=reach)
    assert detail["alias"] == ALIAS
    assert "contact" not in detail.values
    assert "trafficking_status" not in detail.values
    assert "places" not in detail.values


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"groups": ["name", "contact"]}, "groups"),
        ({"groups": []}, "groups"),
        ({"expires_at": None}, "expires_at"),
        ({"expires_at": timezone.now() + timedelta(days=400)}, "expires_at"),
        ({"purpose": "  "}, "purpose"),
        ({"method": "telepathy"}, "method"),
        ({"groups": ["identity"], "may_add_notes": True}, "may_add_notes"),
    ],
)
def test_share_refuses_bad_input_naming_the_field(world, overrides, field):
    case = open_case(world)
    with pytest.raises(FieldError) as caught:
        case_share(**_kwargs(world, case, **overrides))
    assert caught.value.field == field
    assert not CaseShare.objects.exists()
    assert not ConsentRecord.objects.filter(catalogue="case").exists()


def test_a_referral_category_is_refused_by_name(world):
    case = open_case(world)
    with pytest.raises(FieldError) as caught:
        case_share(**_kwargs(world, case, groups=["identity", "safety_notes"]))
    assert caught.value.field == "groups"
    assert "safety_notes" in caught.value.message


def test_share_refuses_the_own_organization_and_one_without_case_keepers(world):
    case = open_case(world)
    for recipient in (world.org_b, world.coalition):
        with pytest.raises(FieldError) as caught:
            case_share(**_kwargs(world, case, recipient=recipient))
        assert caught.value.field == "recipient"
    assert not CaseShare.objects.exists()


@pytest.mark.parametrize("persona", ["provider_c", "advocate_a", "coalition_admin", "analyst"])
def test_only_own_reach_may_share(world, persona):
    case = open_case(world)
    with pytest.raises(NotFound):
        case_share(**_kwargs(world, case, actor=world[persona].user, recipient=world.org_a))
    assert not CaseShare.objects.exists()


def test_a_recipient_cannot_share_onward(world):
    case = open_case(world)
    share(world, case, groups=["identity", "contact"])
    with pytest.raises(NotFound):
        case_share(**_kwargs(world, case, actor=world["provider_c"].user, recipient=world.org_a))
    assert CaseShare.objects.count() == 1


def test_a_supervisor_of_the_organization_may_share(world):
    case = open_case(world)
    boss = supervisor(world)
    made = case_share(**_kwargs(world, case, actor=boss))
    assert made.shared_by == boss


def test_revoke_takes_effect_on_the_next_read(world):
    case = open_case(world)
    made = share(world, case, groups=["identity", "contact"])
    reader = world["provider_c"].user
    assert case_for_user(reader, case.pk)[1].groups == {"identity", "contact"}

    case_share_revoke(actor=world["provider_b"].user, share=made, reason="withdrawn")

    with pytest.raises(NotFound):
        case_for_user(reader, case.pk)
    made.consent.refresh_from_db()
    assert made.consent.revoked_at is not None
    assert made.consent.revoke_reason == "withdrawn"
    assert AuditEvent.objects.filter(action="case.share_revoke").count() == 1
    # Again: nothing changes, no second event.
    case_share_revoke(actor=world["provider_b"].user, share=made, reason="")
    assert AuditEvent.objects.filter(action="case.share_revoke").count() == 1
    assert AuditEvent.objects.filter(action="consent.revoke").count() == 1


def test_the_recipient_cannot_revoke(world):
    case = open_case(world)
    made = share(world, case)
    with pytest.raises(NotFound):
        case_share_revoke(actor=world["provider_c"].user, share=made)
    made.consent.refresh_from_db()
    assert made.consent.revoked_at is None


def test_the_sharing_organizations_consent_keepers_may_revoke_without_reach(world):
    """An advocate of org B (REVOKE_CONSENT) who is not assigned may withdraw the share."""
    from lantern.accounts.models import Role
    from lantern.cases.tests.factories import member

    advocate_b = member(world.org_b, Role.ADVOCATE, "advocate_b@example.test")
    case = open_case(world)
    assert reach_for(advocate_b, case) is None
    made = share(world, case)
    case_share_revoke(actor=advocate_b, share=made, reason="withdrawn")
    made.consent.refresh_from_db()
    assert made.consent.revoked_at is not None
    # A coalition admin (REVOKE_CONSENT, but of another organization) may not.
    other = share(world, case)
    with pytest.raises(NotFound):
        case_share_revoke(actor=world["coalition_admin"].user, share=other)


def test_expiry_takes_effect_without_any_write(world, monkeypatch):
    case = open_case(world)
    made = share(world, case, days=3)
    reader = world["provider_c"].user
    assert case_for_user(reader, case.pk)
    later = made.consent.expires_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(NotFound):
        case_for_user(reader, case.pk)
    # The case's own caseworker still sees it.
    assert case_for_user(world["provider_b"].user, case.pk)[1].own


def test_shares_to_the_same_organization_add_up_and_lapse_one_by_one(world):
    case = open_case(world)
    first = share(world, case, groups=["identity"])
    share(world, case, groups=["contact"])
    reader = world["provider_c"].user
    assert case_for_user(reader, case.pk)[1].groups == {"identity", "contact"}
    case_share_revoke(actor=world["provider_b"].user, share=first)
    assert case_for_user(reader, case.pk)[1].groups == {"contact"}


def test_recipient_read_is_in_the_disclosure_log_and_own_reads_are_not(world):
    case = open_case(world)
    share(world, case, groups=["identity"])
    owner = world["provider_b"].user
    found, reach = case_for_user(owner, case.pk)
    case_read(actor=owner, case=found, reach=reach)
    assert not CaseAccess.objects.filter(case=case, actor=owner).exclude(kind="share").exists()

    reader = world["provider_c"].user
    found, reach = case_for_user(reader, case.pk)
    case_read(actor=reader, case=found, reach=reach)
    row = CaseAccess.objects.get(case=case, actor=reader)
    assert row.kind == "shared_read"
    assert row.organization_id == world.org_c.pk
    assert row.groups == ["identity"]
