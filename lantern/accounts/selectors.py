"""Reads for accounts: who belongs where, and token look-up."""

from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from lantern.accounts.models import ApiToken, Membership, Role, User
from lantern.accounts.services import TOKEN_PREFIX, hash_token


def user_from_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None for any bad or revoked token."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(secret), revoked__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used is None or now - token.last_used > settings.LANTERN_TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user


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
    return has_role(user, Role.COALITION_ADMIN)
