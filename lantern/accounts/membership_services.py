"""Writes for who belongs where: invitations, their confirmation and acceptance, removal.

Every decision is `accounts.policy`'s; each write is one transaction with its audit event.
An invitation's link is the credential: a signed, expiring, single-use token of which only
the SHA-256 is stored. Its e-mail carries a neutral text and the link, nothing else (no
organization, no role, no name).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.accounts import enrolment, policy
from lantern.accounts.models import Invitation, Membership, Organization, User
from lantern.accounts.roles import Role
from lantern.accounts.services import admin_access_follows, hash_token, membership_add
from lantern.audit.services import audit_record
from lantern.core.errors import NotFound
from lantern.core.site import site_url

_SALT = "lantern.accounts.invitation"


class InvitationError(ValueError):
    """A refused input, naming the field it is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    link: str | None  # None while it awaits the organization's confirmation


def _new_token() -> tuple[str, str]:
    token = signing.TimestampSigner(salt=_SALT).sign(secrets.token_urlsafe(32))
    return token, hash_token(token)


def _link(token: str) -> str:
    return site_url() + reverse("accounts:invitation", args=[token])


def _send(email: str, token: str) -> str:
    link = _link(token)
    days = settings.LANTERN_INVITATION_DAYS
    body = _(
        "You have been invited to use Lantern.\n\n"
        "Open this link to choose your password and set up your authenticator app:\n"
        "%(link)s\n\n"
        "The link works once, for %(days)d days. If you did not expect this message, "
        "ignore it."
    ) % {"link": link, "days": days}
    transaction.on_commit(
        partial(
            send_mail,
            _("Your Lantern invitation"),
            body,
            settings.DEFAULT_FROM_EMAIL,
            [email],
            fail_silently=True,
        )
    )
    return link


@transaction.atomic
def invitation_create(
    *, actor: User | None, organization: Organization, email: str, role: str
) -> IssuedInvitation:
    """Invite `email` into `organization` as `role`. The e-mail goes out after commit, or,
    for a coalition admin's invitation into an organization with its own admin, once that
    admin confirms it.

    Raises NotFound when `actor` may not make this invitation.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if "@" not in email or len(email) > 254:
        raise InvitationError("email", _("Enter an e-mail address."))
    grant = policy.may_invite(actor, organization, role, email)
    if grant is None:
        raise NotFound
    existing = User.objects.filter(email__iexact=email).first()
    if (
        existing
        and Membership.objects.filter(user=existing, organization=organization, role=role).exists()
    ):
        raise InvitationError("email", _("This person already has that role here."))
    token, token_hash = _new_token()
    needs_confirmation = grant == policy.Grant.NEEDS_CONFIRMATION
    invitation = Invitation.objects.create(
        organization=organization,
        role=role,
        email=email,
        token_hash=token_hash,
        invited_by=actor,
        expires=timezone.now() + timedelta(days=settings.LANTERN_INVITATION_DAYS),
        needs_confirmation=needs_confirmation,
    )
    audit_record(
        actor=actor,
        action="invitation.create",
        object_type="invitation",
        object_id=invitation.pk,
        detail={
            "organization_id": str(organization.pk),
            "role": role,
            "needs_confirmation": needs_confirmation,
        },
    )
    link = None if needs_confirmation else _send(email, token)
    return IssuedInvitation(invitation=invitation, link=link)


def _locked_open(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().select_related("organization")
    fresh = locked.get(pk=invitation.pk)
    if not fresh.is_open():
        raise NotFound
    return fresh


@transaction.atomic
def invitation_confirm(*, invitation: Invitation, actor: User | None) -> IssuedInvitation:
    """The organization's admin confirms a coalition admin's invitation: it gets a new link
    (the first was never sent), a full validity period, and is sent."""
    if not policy.may_confirm(actor, invitation):
        raise NotFound
    invitation = _locked_open(invitation)
    if not invitation.awaiting_confirmation:
        raise NotFound
    token, invitation.token_hash = _new_token()
    invitation.confirmed_by, invitation.confirmed_at = actor, timezone.now()
    invitation.expires = timezone.now() + timedelta(days=settings.LANTERN_INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "confirmed_by", "confirmed_at", "expires"])
    audit_record(
        actor=actor, action="invitation.confirm", object_type="invitation", object_id=invitation.pk
    )
    return IssuedInvitation(invitation=invitation, link=_send(invitation.email, token))


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, actor: User | None) -> None:
    if not policy.may_withdraw(actor, invitation):
        raise NotFound
    invitation = _locked_open(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor, action="invitation.withdraw", object_type="invitation", object_id=invitation.pk
    )


def invitation_from_token(token: str) -> Invitation:
    """The open, confirmed invitation this link is for. NotFound for a forged, expired,
    used, withdrawn or not yet confirmed one (all look the same)."""
    max_age = timedelta(days=settings.LANTERN_INVITATION_DAYS)
    try:
        signing.TimestampSigner(salt=_SALT).unsign(token, max_age=max_age)
    except signing.BadSignature:
        raise NotFound from None
    invitation = (
        Invitation.objects.select_related("organization").filter(token_hash=hash_token(token))
    ).first()
    if invitation is None or not invitation.is_open() or invitation.awaiting_confirmation:
        raise NotFound
    return invitation


def existing_account(invitation: Invitation) -> User | None:
    return User.objects.filter(email__iexact=invitation.email).first()


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    password: str = "",
    totp_key: str = "",
    totp_code: str = "",
    display_name: str = "",
) -> Membership:
    """Accept an invitation: the membership starts.

    For a new person: creates the account with the password they chose and the
    authenticator they set up (`totp_key` from their session, `totp_code` from their app),
    all or nothing. For someone who already has an account: `user` must be that account,
    logged in with both factors; an invitation never changes an existing password.
    Raises NotFound for a bad link, InvitationError naming the refused field.
    """
    invitation = _locked_open(invitation_from_token(token))
    existing = existing_account(invitation)
    if existing is not None:
        if user is None or user.pk != existing.pk or not existing.is_active:
            raise NotFound
        account = existing
    else:
        if user is not None:
            raise NotFound  # logged in as someone else
        account = User(email=invitation.email, display_name=display_name.strip()[:150])
        try:
            validate_password(password, account)
        except ValidationError as err:
            raise InvitationError("password1", " ".join(err.messages)) from None
        account.set_password(password)
        account.save()
        if enrolment.totp_enrol_confirm(user=account, key_hex=totp_key, token=totp_code) is None:
            raise InvitationError("token", _("That code did not work. Try the newest code."))
    membership = membership_add(
        user=account, organization=invitation.organization, role=invitation.role, actor=account
    )
    invitation.accepted_at, invitation.accepted_by = timezone.now(), account
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        actor=account,
        action="invitation.accept",
        object_type="invitation",
        object_id=invitation.pk,
        detail={"membership_id": membership.pk, "new_account": existing is None},
    )
    return membership


def _suspension_set(
    *, membership: Membership, actor: User | None, suspended: datetime | None, action: str
) -> None:
    """Suspend (a time) or reinstate (None) a membership; nothing when already so."""
    if not policy.may_suspend(actor, membership):
        raise NotFound
    if (membership.suspended is None) == (suspended is None):
        return
    membership.suspended = suspended
    membership.save(update_fields=["suspended"])
    admin_access_follows(membership.user)
    audit_record(
        actor=actor,
        action=action,
        object_type="membership",
        object_id=membership.pk,
        detail={"user_id": str(membership.user_id), "role": membership.role},
    )


@transaction.atomic
def membership_suspend(
    *, membership: Membership, actor: User | None, now: datetime | None = None
) -> None:
    """Suspend a membership: from now on it grants nothing (confidential locations,
    referrals, help requests, notifications), until an admin reinstates it. Raises NotFound
    when `actor` may not."""
    _suspension_set(
        membership=membership,
        actor=actor,
        suspended=now or timezone.now(),
        action="membership.suspend",
    )


@transaction.atomic
def membership_reinstate(*, membership: Membership, actor: User | None) -> None:
    """Put a suspended membership back in force. Raises NotFound when `actor` may not."""
    _suspension_set(
        membership=membership, actor=actor, suspended=None, action="membership.reinstate"
    )


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User | None) -> None:
    """End a membership (an organization admin, the member themselves, or the operator).

    Raises NotFound when `actor` may not (the same answer as a membership that is not
    there). Removing a coalition admin's last such membership takes back the admin access
    it gave.
    """
    if not policy.may_remove(actor, membership):
        raise NotFound
    user = membership.user
    detail = {
        "user_id": str(membership.user_id),
        "organization_id": str(membership.organization_id),
        "role": membership.role,
    }
    membership_id = membership.pk
    membership.delete()
    if detail["role"] == Role.COALITION_ADMIN:
        admin_access_follows(user)
    audit_record(
        actor=actor,
        action="membership.remove",
        object_type="membership",
        object_id=membership_id,
        detail=detail,
    )
