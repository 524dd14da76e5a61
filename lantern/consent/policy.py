"""Who may see and withdraw a consent record. Default deny; "not allowed" looks like
"not found" to callers (the selectors raise 404 for both).

- See: members (any role) of the organization that recorded it and of the recipient
  organization, and coalition admins. Nobody else: not analysts, not other providers.
- Withdraw: advocates and coalition admins *of the recording organization*. The person
  withdraws consent through their advocate. The recipient cannot withdraw what it was
  given, and a coalition admin of another organization cannot act for the person.
"""

from typing import Any

from django.db.models import Q

from lantern.accounts.models import Membership
from lantern.accounts.roles import Capability
from lantern.accounts.selectors import is_coalition_admin, organization_ids_with


def _organization_ids(user: Any) -> set[Any]:
    if user is None or not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user).values_list("organization_id", flat=True))


def visible_filter(user: Any) -> Q | None:
    """A filter for the consent records `user` may see; None means "all of them"
    (coalition admins). Anonymous users get a filter that matches nothing."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if is_coalition_admin(user):
        return None
    org_ids = _organization_ids(user)
    return Q(granted_by_organization_id__in=org_ids) | Q(recipient_id__in=org_ids)


def may_view(user: Any, consent: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if is_coalition_admin(user):
        return True
    org_ids = _organization_ids(user)
    return consent.granted_by_organization_id in org_ids or consent.recipient_id in org_ids


def may_revoke(user: Any, consent: Any) -> bool:
    return consent.granted_by_organization_id in organization_ids_with(
        user, Capability.REVOKE_CONSENT
    )
