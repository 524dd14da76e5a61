"""Writes for accounts: users, memberships and API tokens."""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from lantern.accounts.models import ApiToken, Membership, Organization, Role, User
from lantern.audit.services import audit_record

TOKEN_PREFIX = "lt_"  # noqa: S105 - a marker, not a secret


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


@transaction.atomic
def token_create(*, user: User, name: str = "default", actor: User | None = None) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=secret[:10], token_hash=hash_token(secret)
    )
    audit_record(
        actor=actor,
        action="token.create",
        object_type="api_token",
        object_id=token.pk,
        detail={"user_id": str(user.pk), "name": token.name},
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User | None) -> None:
    token.revoked = timezone.now()
    token.save(update_fields=["revoked"])
    audit_record(actor=actor, action="token.revoke", object_type="api_token", object_id=token.pk)


@transaction.atomic
def membership_add(
    *, user: User, organization: Organization, role: str, actor: User | None
) -> Membership:
    if role not in Role.values:
        raise ValueError(f"role: unknown role {role!r}")
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, role=role
    )
    if role == Role.COALITION_ADMIN and not user.is_staff:
        # Coalition admins manage the coalition through Django's admin.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if created:
        audit_record(
            actor=actor,
            action="membership.add",
            object_type="membership",
            object_id=membership.pk,
            detail={"user_id": str(user.pk), "organization_id": str(organization.pk), "role": role},
        )
    return membership
