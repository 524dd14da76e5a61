"""Who may grant and end memberships (accounts.policy), through the services."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.util import random_hex

from lantern.accounts.membership_services import (
    InvitationError,
    invitation_accept,
    invitation_confirm,
    invitation_create,
    invitation_withdraw,
    membership_remove,
)
from lantern.accounts.models import Invitation, Membership, Organization, Role
from lantern.accounts.services import membership_add
from lantern.audit.models import AuditEvent
from lantern.core.errors import NotFound
from lantern.testing import UserFactory

pytestmark = pytest.mark.django_db


def _code(key_hex: str) -> str:
    totp = TOTP(bytes.fromhex(key_hex), 30, 0, 6, 0)
    return f"{totp.token():06d}"


def _token(link: str) -> str:
    match = re.search(r"/accounts/invitation/([^/]+)/$", link)
    assert match, link
    return match.group(1)


NEW_PASSWORD = "a-long-new-password-9"


def _accept_new(link: str, password: str = NEW_PASSWORD):
    key = random_hex(20)
    return invitation_accept(
        token=_token(link), password=password, totp_key=key, totp_code=_code(key)
    )


def test_coalition_admin_cannot_grant_themselves_membership_of_a_provider(world):
    admin = world["coalition_admin"].user
    with pytest.raises(NotFound):
        invitation_create(
            actor=admin, organization=world.org_b, email=admin.email, role=Role.PROVIDER_STAFF
        )
    # Nor anyone else, into an organization with members but no admin of its own.
    with pytest.raises(NotFound):
        invitation_create(
            actor=admin,
            organization=world.org_b,
            email="someone@example.test",
            role=Role.ORGANIZATION_ADMIN,
        )
    assert not Invitation.objects.exists()


def test_coalition_admins_invitation_waits_for_the_organizations_admin(world, org_admin_b):
    admin = world["coalition_admin"].user
    issued = invitation_create(
        actor=admin, organization=world.org_b, email="helper@example.test", role="provider_staff"
    )
    assert issued.link is None and issued.invitation.awaiting_confirmation
    # Unconfirmed, it cannot be accepted, whatever token one tries.
    with pytest.raises(NotFound):
        invitation_accept(token="forged:token", password="x")
    # The coalition admin cannot confirm it; another organization's member cannot either.
    for actor in (admin, world["provider_c"].user):
        with pytest.raises(NotFound):
            invitation_confirm(invitation=issued.invitation, actor=actor)
    confirmed = invitation_confirm(invitation=issued.invitation, actor=org_admin_b.user)
    assert confirmed.link
    membership = _accept_new(confirmed.link)
    assert membership.organization == world.org_b and membership.role == "provider_staff"
    actions = list(AuditEvent.objects.values_list("action", flat=True).order_by("id"))
    assert actions[-4:] == [
        "invitation.create",
        "invitation.confirm",
        "membership.add",
        "invitation.accept",
    ] or ("invitation.confirm" in actions and "invitation.accept" in actions)


def test_organization_admin_invites_directly_into_their_own_organization(
    world, org_admin_b, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issued = invitation_create(
            actor=org_admin_b.user,
            organization=world.org_b,
            email="New.Staff@Example.test",
            role=Role.PROVIDER_STAFF,
        )
    assert issued.link and not issued.invitation.needs_confirmation
    (mail,) = mailoutbox
    assert mail.to == ["new.staff@example.test"]
    assert issued.link in mail.body
    # Neutral: no organization, no role, no name.
    for word in ("Shelter", "provider", "Provider"):
        assert word not in mail.body and word not in mail.subject
    # Not into someone else's organization.
    with pytest.raises(NotFound):
        invitation_create(
            actor=org_admin_b.user,
            organization=world.org_c,
            email="x@example.test",
            role=Role.PROVIDER_STAFF,
        )
    # Never a coalition admin.
    with pytest.raises(NotFound):
        invitation_create(
            actor=org_admin_b.user,
            organization=world.org_b,
            email="y@example.test",
            role=Role.COALITION_ADMIN,
        )


def test_coalition_admin_onboards_an_empty_organization_with_its_first_admin(world):
    admin = world["coalition_admin"].user
    fresh = Organization.objects.create(name="Fictional New Shelter")
    with pytest.raises(NotFound):  # only its admin, first
        invitation_create(
            actor=admin, organization=fresh, email="a@example.test", role=Role.PROVIDER_STAFF
        )
    issued = invitation_create(
        actor=admin, organization=fresh, email="boss@example.test", role=Role.ORGANIZATION_ADMIN
    )
    assert issued.link
    membership = _accept_new(issued.link)
    assert membership.role == Role.ORGANIZATION_ADMIN
    assert membership.user.check_password(NEW_PASSWORD)
    # From now on the coalition admin's invitations need this admin's confirmation.
    later = invitation_create(
        actor=admin, organization=fresh, email="b@example.test", role=Role.PROVIDER_STAFF
    )
    assert later.invitation.awaiting_confirmation


def test_an_invitation_works_once_and_not_after_it_expires(world, org_admin_b):
    issued = invitation_create(
        actor=org_admin_b.user,
        organization=world.org_b,
        email="once@example.test",
        role=Role.PROVIDER_STAFF,
    )
    _accept_new(issued.link)
    with pytest.raises(NotFound):
        _accept_new(issued.link)
    late = invitation_create(
        actor=org_admin_b.user,
        organization=world.org_b,
        email="late@example.test",
        role=Role.PROVIDER_STAFF,
    )
    Invitation.objects.filter(pk=late.invitation.pk).update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(NotFound):
        _accept_new(late.link)


def test_only_the_hash_of_the_link_is_stored(world, org_admin_b):
    issued = invitation_create(
        actor=org_admin_b.user,
        organization=world.org_b,
        email="hash@example.test",
        role=Role.PROVIDER_STAFF,
    )
    row = Invitation.objects.get(pk=issued.invitation.pk)
    assert _token(issued.link) not in row.token_hash and len(row.token_hash) == 64


def test_a_wrong_code_or_weak_password_creates_nothing(world, org_admin_b):
    issued = invitation_create(
        actor=org_admin_b.user,
        organization=world.org_b,
        email="careful@example.test",
        role=Role.PROVIDER_STAFF,
    )
    key = random_hex(20)
    with pytest.raises(InvitationError) as err:
        invitation_accept(
            token=_token(issued.link),
            password=NEW_PASSWORD,
            totp_key=key,
            totp_code="000000" if _code(key) != "000000" else "111111",
        )
    assert err.value.field == "token"
    with pytest.raises(InvitationError) as err:
        invitation_accept(
            token=_token(issued.link), password="123", totp_key=key, totp_code=_code(key)
        )
    assert err.value.field == "password1"
    assert not Membership.objects.filter(user__email="careful@example.test").exists()


def test_an_invitation_never_changes_an_existing_accounts_password(world, org_admin_b):
    existing = world["advocate_a"].user
    issued = invitation_create(
        actor=org_admin_b.user,
        organization=world.org_b,
        email=existing.email,
        role=Role.PROVIDER_STAFF,
    )
    with pytest.raises(NotFound):
        _accept_new(issued.link, password="taken-over-password-1")
    existing.refresh_from_db()
    assert not existing.check_password("taken-over-password-1")
    membership = invitation_accept(token=_token(issued.link), user=existing)
    assert membership.user == existing


def test_withdrawn_invitations_cannot_be_accepted(world, org_admin_b):
    issued = invitation_create(
        actor=org_admin_b.user,
        organization=world.org_b,
        email="gone@example.test",
        role=Role.PROVIDER_STAFF,
    )
    with pytest.raises(NotFound):
        invitation_withdraw(invitation=issued.invitation, actor=world["provider_b"].user)
    invitation_withdraw(invitation=issued.invitation, actor=org_admin_b.user)
    with pytest.raises(NotFound):
        _accept_new(issued.link)


def test_members_are_removed_by_their_organizations_admin_and_it_is_audited(world, org_admin_b):
    membership = Membership.objects.get(user=world["provider_b"].user, organization=world.org_b)
    for outsider in (world["coalition_admin"].user, world["provider_c"].user):
        with pytest.raises(NotFound):
            membership_remove(membership=membership, actor=outsider)
    membership_remove(membership=membership, actor=org_admin_b.user)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="membership.remove")
    assert event.actor == org_admin_b.user
    assert event.detail["role"] == Role.PROVIDER_STAFF


def test_removing_a_coalition_admin_takes_back_admin_access(world):
    admin = world["coalition_admin"].user
    membership = Membership.objects.get(user=admin, role=Role.COALITION_ADMIN)
    membership_remove(membership=membership, actor=None)
    admin.refresh_from_db()
    assert not admin.is_staff and not admin.groups.exists()


def test_membership_add_refuses_an_unknown_role(world):
    with pytest.raises(ValueError, match="role"):
        membership_add(user=UserFactory(), organization=world.org_a, role="wizard", actor=None)
