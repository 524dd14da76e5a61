"""Who may grant, confirm and remove memberships. Default deny.

Membership of an organization is what opens that organization's confidential locations, so
it is never self-granted and never granted by someone outside the organization alone:

- An organization's own admins (`Capability.MANAGE_MEMBERS`) invite people into it, in any
  role an invitation may grant, confirm coalition admins' invitations, suspend and reinstate
  members (never themselves: an admin cannot lock themselves out by mistake) and remove
  them.
- A coalition admin (`Capability.ADMINISTER_COALITION`) onboards an organization that has
  nobody yet by inviting its first organization admin. Into an organization that has an
  admin, a coalition admin's invitation takes effect only once one of that organization's
  admins confirms it. An organization with members but no admin gets its first admin from
  the operator (`lantern invite` on the server).
- A coalition admin adds member organizations (`may_create_organization`).
- Nobody invites their own e-mail address.
- The operator (actor None: the command line on the server) may do all of it.
"""

from enum import StrEnum
from typing import Any

from lantern.accounts import selectors
from lantern.accounts.models import Membership, Organization
from lantern.accounts.roles import REGISTRY, Capability, Role


class Grant(StrEnum):
    DIRECT = "direct"  # takes effect when the invited person accepts
    NEEDS_CONFIRMATION = "needs_confirmation"  # and once the organization's admin confirms


def _is_operator(actor: Any) -> bool:
    return actor is None


def manages(actor: Any, organization: Organization) -> bool:
    """Whether `actor` is an admin of this very organization."""
    if _is_operator(actor):
        return True
    return organization.pk in selectors.organization_ids_with(actor, Capability.MANAGE_MEMBERS)


def may_create_organization(actor: Any) -> bool:
    """Coalition admins add member organizations (and the operator, on the server)."""
    if _is_operator(actor):
        return True
    return bool(getattr(actor, "is_active", False)) and selectors.is_coalition_admin(actor)


def may_invite(actor: Any, organization: Organization, role: str, email: str) -> Grant | None:
    """How an invitation by `actor` would take effect, or None when it may not be made."""
    spec = REGISTRY.get(role)
    if spec is None:
        return None
    if _is_operator(actor):
        return Grant.DIRECT
    if not spec.invitable or not getattr(actor, "is_active", False):
        return None
    if email.strip().lower() == actor.email.lower():
        return None
    if manages(actor, organization):
        return Grant.DIRECT
    if not selectors.is_coalition_admin(actor):
        return None
    if selectors.organization_has_admin(organization):
        return Grant.NEEDS_CONFIRMATION
    if role == Role.ORGANIZATION_ADMIN and not selectors.organization_has_members(organization):
        return Grant.DIRECT  # onboarding: the first admin of an empty organization
    return None


def may_confirm(actor: Any, invitation: Any) -> bool:
    """Only the organization's own admins confirm a coalition admin's invitation (and not
    one they made themselves)."""
    if actor is not None and invitation.invited_by_id == getattr(actor, "pk", None):
        return False
    return manages(actor, invitation.organization)


def may_withdraw(actor: Any, invitation: Any) -> bool:
    """The organization's admins, and whoever made it."""
    if actor is not None and invitation.invited_by_id == getattr(actor, "pk", None):
        return True
    return manages(actor, invitation.organization)


def may_remove(actor: Any, membership: Membership) -> bool:
    """The organization's own admins (anyone may also leave: remove their own membership)."""
    if actor is not None and membership.user_id == getattr(actor, "pk", None):
        return True
    return manages(actor, membership.organization)


def may_suspend(actor: Any, membership: Membership) -> bool:
    """The organization's own admins, for anyone but themselves (suspending and reinstating
    alike). Leaving is removal."""
    if actor is not None and membership.user_id == getattr(actor, "pk", None):
        return False
    return manages(actor, membership.organization)
