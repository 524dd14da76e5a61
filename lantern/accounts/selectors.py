"""Reads for accounts: who belongs where, and token look-up."""

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.accounts.models import ApiToken, Invitation, Membership, Organization, User
from lantern.accounts.roles import Capability, roles_with
from lantern.accounts.services import TOKEN_PREFIX, hash_token
from lantern.core.errors import NotFound


def user_from_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None for any bad, revoked or expired
    token."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(secret), revoked__isnull=True, user__is_active=True)
        .filter(Q(expires__isnull=True) | Q(expires__gt=now))
        .first()
    )
    if token is None:
        return None
    _touch(token, now)
    return token.user


def _touch(token: ApiToken, now: datetime) -> None:
    """Stamp `last_used`, at most once per `LANTERN_TOKEN_TOUCH_INTERVAL`: most requests
    write nothing, and of concurrent requests only one conditional UPDATE matches."""
    stale = now - settings.LANTERN_TOKEN_TOUCH_INTERVAL
    if token.last_used is not None and token.last_used > stale:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used__isnull=True) | Q(last_used__lte=stale)
    ).update(last_used=now)


def tokens_of(user: User | AnonymousUser) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (the user's token page)."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created")


def token_of(user: User | AnonymousUser, token_id: UUID) -> ApiToken:
    """One of the user's own tokens; anyone else's, or none, is `NotFound`."""
    token = tokens_of(user).filter(pk=token_id).first()
    if token is None:
        raise NotFound
    return token


def tokens_listed(*, email: str | None = None) -> QuerySet[ApiToken]:
    """Every token, or one person's, with its user, oldest first (the command line)."""
    tokens = ApiToken.objects.select_related("user").order_by("created")
    if email is not None:
        tokens = tokens.filter(user__email=email.strip().lower())
    return tokens


def token_by_reference(reference: str) -> ApiToken | None:
    """A token by its id, or by its prefix when exactly one token has it."""
    try:
        return ApiToken.objects.filter(pk=UUID(reference)).first()
    except ValueError:
        matches = list(ApiToken.objects.filter(prefix=reference)[:2])
        return matches[0] if len(matches) == 1 else None


def memberships_of(user: User | AnonymousUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("organization")


def hsds_organization_ids_of(user: User | AnonymousUser) -> set[str]:
    """HSDS organization ids (as strings) the user is a member of, in any role.

    Cached on the user object for the length of a request.
    """
    if not user.is_authenticated:
        return set()
    cached: set[str] | None = getattr(user, "_lantern_hsds_org_ids", None)
    if cached is None:
        cached = {
            str(org_id)
            for org_id in Membership.objects.filter(
                user=user, organization__hsds_organization__isnull=False
            ).values_list("organization__hsds_organization_id", flat=True)
        }
        cast(Any, user)._lantern_hsds_org_ids = cached
    return cached


def has_role(user: User | AnonymousUser, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, role__in=roles).exists()


def is_coalition_admin(user: User | AnonymousUser) -> bool:
    return has_capability(user, Capability.ADMINISTER_COALITION)


def organization_ids_with(user: Any, capability: Capability) -> set[Any]:
    """Ids of the (account) organizations where `user` holds a role with `capability`.

    Cached on the user object for the length of a request.
    """
    if not getattr(user, "is_authenticated", False):
        return set()
    cache: dict[str, set[Any]] = user.__dict__.setdefault("_lantern_capability_orgs", {})
    if capability not in cache:
        cache[capability] = set(
            Membership.objects.filter(user=user, role__in=roles_with(capability)).values_list(
                "organization_id", flat=True
            )
        )
    return cache[capability]


def has_capability(user: Any, capability: Capability) -> bool:
    return bool(organization_ids_with(user, capability))


def organization_has_admin(organization: Organization) -> bool:
    return Membership.objects.filter(
        organization=organization,
        role__in=roles_with(Capability.MANAGE_MEMBERS),
        user__is_active=True,
    ).exists()


def organization_has_members(organization: Organization) -> bool:
    return Membership.objects.filter(organization=organization).exists()


def managed_organizations(user: Any) -> QuerySet[Organization]:
    """The organizations whose people `user` manages (their organization admin roles)."""
    return Organization.objects.filter(
        pk__in=organization_ids_with(user, Capability.MANAGE_MEMBERS)
    )


def organization_members(organization: Organization) -> QuerySet[Membership]:
    """Every membership of the organization, suspended ones included (the people page)."""
    return (
        Membership.everyone.filter(organization=organization)
        .select_related("user")
        .order_by("user__email", "role")
    )


def organization_invitations(organization: Organization) -> QuerySet[Invitation]:
    """Invitations still open (not accepted, withdrawn or expired), newest first."""
    return Invitation.objects.filter(
        organization=organization,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires__gt=timezone.now(),
    ).select_related("invited_by")


def all_organizations() -> QuerySet[Organization]:
    return Organization.objects.order_by("name")


def hsds_organizations_with_members(hsds_organization_ids: Any) -> set[str]:
    """Of these directory organization ids, those a member organization has claimed: their
    services take referrals through Lantern (someone is there to answer)."""
    linked = Organization.objects.filter(hsds_organization_id__in=list(hsds_organization_ids))
    return {str(pk) for pk in linked.values_list("hsds_organization_id", flat=True)}


def organizations_overview() -> QuerySet[Organization]:
    """Every member organization with its linked listing, how many people are in force,
    whether one of them is an admin, and how many invitations are still open (the coalition
    admin's organizations page; counts only, no names)."""
    in_force = Q(memberships__suspended__isnull=True, memberships__user__is_active=True)
    admins = in_force & Q(memberships__role__in=roles_with(Capability.MANAGE_MEMBERS))
    open_invitations = Q(
        invitations__accepted_at__isnull=True,
        invitations__revoked_at__isnull=True,
        invitations__expires__gt=timezone.now(),
    )
    return (
        Organization.objects.select_related("hsds_organization")
        .annotate(
            member_count=Count("memberships", filter=in_force, distinct=True),
            admin_count=Count("memberships", filter=admins, distinct=True),
            open_invitation_count=Count("invitations", filter=open_invitations, distinct=True),
        )
        .order_by("name")
    )


def organization_by_id(organization_id: Any) -> Organization:
    found = Organization.objects.filter(pk=organization_id).first()
    if found is None:
        raise NotFound
    return found


def invitation_by_id(invitation_id: Any) -> Invitation:
    """The invitation (whether the caller may act on it is the service's question)."""
    found = Invitation.objects.select_related("organization").filter(pk=invitation_id).first()
    if found is None:
        raise NotFound
    return found


def membership_by_id(membership_id: Any) -> Membership:
    """The membership, suspended or not (whether the caller may act is the service's
    question)."""
    found = (
        Membership.everyone.select_related("user", "organization").filter(pk=membership_id).first()
    )
    if found is None:
        raise NotFound
    return found


def confirmed_device(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator (the oldest, if ever more than one)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
