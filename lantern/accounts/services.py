"""Writes for accounts: users, memberships and API tokens.

`membership_add` is the low-level grant: it checks no policy, so only trusted code calls it
(an accepted invitation, the operator's command line, the demo seed, tests). People and
pages grant and end memberships through `membership_services`, which asks `policy`.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lantern.accounts.models import ApiToken, Membership, Organization, Role, User
from lantern.accounts.roles import REGISTRY
from lantern.audit.services import audit_record

TOKEN_PREFIX = "lt_"  # noqa: S105 - a marker, not a secret

# What coalition admins may do in Django's admin (migration 0003 creates the same group).
# No deletions: a closed service is marked defunct, keeping its history. Capacities are
# view-only: only the owning organization changes them (`directory.policy`). Tokens are
# view-only and show their prefix only.
COALITION_ADMIN_GROUP = "coalition admins"
COALITION_ADMIN_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "directory": {
        "organization": ("view", "add", "change"),
        "service": ("view", "add", "change"),
        "location": ("view", "add", "change"),
        "servicecapacity": ("view",),
        "taxonomy": ("view", "add", "change"),
        "taxonomyterm": ("view", "add", "change"),
        "unit": ("view", "add", "change"),
    },
    "accounts": {
        "user": ("view", "change"),
        "organization": ("view", "add", "change"),
        "membership": ("view",),
        "invitation": ("view",),
        "apitoken": ("view",),
    },
    "audit": {"auditevent": ("view",)},
}


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


@transaction.atomic
def token_create(
    *,
    user: User,
    name: str = "default",
    actor: User | None = None,
    expires_days: int | None = None,
) -> IssuedToken:
    """A new token for `user`; with `expires_days` it authenticates nobody after that."""
    if expires_days is not None and expires_days < 1:
        raise ValueError("expires_days: at least 1 day")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=expires_days) if expires_days else None
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "default",
        prefix=secret[:10],
        token_hash=hash_token(secret),
        expires=expires,
    )
    audit_record(
        actor=actor,
        action="token.create",
        object_type="api_token",
        object_id=token.pk,
        detail={
            "user_id": str(user.pk),
            "name": token.name,
            "expires": expires.isoformat() if expires else None,
        },
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User | None) -> ApiToken:
    """Revoke the token from now on. Revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked is not None:
        return token
    token.revoked = timezone.now()
    token.save(update_fields=["revoked"])
    audit_record(
        actor=actor,
        action="token.revoke",
        object_type="api_token",
        object_id=token.pk,
        detail={"user_id": str(token.user_id)},
    )
    return token


@transaction.atomic
def membership_add(
    *, user: User, organization: Organization, role: str, actor: User | None
) -> Membership:
    if role not in REGISTRY:
        raise ValueError(f"role: unknown role {role!r}")
    membership, created = Membership.everyone.get_or_create(
        user=user, organization=organization, role=role
    )
    if membership.suspended is not None:
        # Granted again (an accepted invitation, the operator): in force again.
        membership.suspended = None
        membership.save(update_fields=["suspended"])
        audit_record(
            actor=actor,
            action="membership.reinstate",
            object_type="membership",
            object_id=membership.pk,
            detail={"user_id": str(user.pk), "role": role, "by": "grant"},
        )
    if role == Role.COALITION_ADMIN:
        admin_access_follows(user)
    if created:
        audit_record(
            actor=actor,
            action="membership.add",
            object_type="membership",
            object_id=membership.pk,
            detail={"user_id": str(user.pk), "organization_id": str(organization.pk), "role": role},
        )
    return membership


def admin_access_follows(user: User) -> None:
    """Django's admin access follows the person's in-force coalition admin memberships
    (coalition admins manage the coalition through it): granted while one is in force,
    taken back when none is (removed or suspended)."""
    if Membership.objects.filter(user=user, role=Role.COALITION_ADMIN).exists():
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(coalition_admin_group())
        return
    user.groups.remove(coalition_admin_group())
    if not user.is_superuser and user.is_staff:
        user.is_staff = False
        user.save(update_fields=["is_staff"])


def coalition_admin_group() -> Group:
    """The group, created with its permissions if missing (a flushed test database)."""
    group, created = Group.objects.get_or_create(name=COALITION_ADMIN_GROUP)
    if created:
        wanted = Q(pk__in=[])
        for app_label, models in COALITION_ADMIN_PERMISSIONS.items():
            for model, verbs in models.items():
                wanted |= Q(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename__in=[f"{verb}_{model}" for verb in verbs],
                )
        group.permissions.set(Permission.objects.filter(wanted))
    return group
