"""Writes for member organizations: a coalition admin adds one, optionally linked to its
directory listing, and invites its first organization admin in the same step.

The link to a directory listing is what lets the organization's staff update that listing's
openings and see its confidential locations, so it is set here once, checked to be free,
and then changed only by a superuser (the Django admin keeps it read-only for others).
"""

from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from lantern.accounts import policy
from lantern.accounts.membership_services import (
    InvitationError,
    IssuedInvitation,
    invitation_create,
)
from lantern.accounts.models import Organization, User
from lantern.accounts.roles import Role
from lantern.audit.services import audit_record
from lantern.core.errors import NotFound

NAME_MAX = Organization._meta.get_field("name").max_length or 255


@transaction.atomic
def organization_create(
    *,
    actor: User | None,
    name: str,
    hsds_organization_id: UUID | None = None,
    takes_help_requests: bool = False,
    first_admin_email: str = "",
) -> tuple[Organization, IssuedInvitation | None]:
    """Add a member organization and, when an address is given, invite its first admin.

    All or nothing: a refused invitation leaves no organization behind. Raises
    `InvitationError` naming the field for bad input, `NotFound` when `actor` may not.
    The caller checks that `hsds_organization_id` names a directory listing (this layer
    does not read the directory); here it is checked to be linked to no one else.
    """
    if not policy.may_create_organization(actor):
        raise NotFound
    name = " ".join(name.split())
    if not name:
        raise InvitationError("name", _("Enter the organization's name."))
    if len(name) > NAME_MAX:
        raise InvitationError("name", _("Use at most %(n)d characters.") % {"n": NAME_MAX})
    if Organization.objects.filter(name__iexact=name).exists():
        raise InvitationError("name", _("An organization with this name already exists."))
    if (
        hsds_organization_id is not None
        and Organization.objects.filter(hsds_organization_id=hsds_organization_id).exists()
    ):
        raise InvitationError(
            "listing", _("This listing already belongs to another member organization.")
        )
    email = first_admin_email.strip()
    if email and actor is not None and email.lower() == actor.email.lower():
        raise InvitationError("email", _("Invite someone else: nobody invites themselves."))
    organization = Organization.objects.create(
        name=name,
        hsds_organization_id=hsds_organization_id,
        takes_help_requests=takes_help_requests,
    )
    detail: dict[str, Any] = {
        "hsds_organization_id": str(hsds_organization_id) if hsds_organization_id else None,
        "takes_help_requests": takes_help_requests,
    }
    audit_record(
        actor=actor,
        action="organization.create",
        object_type="organization",
        object_id=organization.pk,
        detail=detail,
    )
    issued = None
    if email:
        issued = invitation_create(
            actor=actor,
            organization=organization,
            email=email,
            role=Role.ORGANIZATION_ADMIN,
        )
    return organization, issued
