"""Who may do what with referrals. Default deny; "not allowed" looks like "not found".

A referral is seen by two organizations only: the one that sent it (its advocates, provider
staff and coalition admins: the people who refer) and the one that receives it (its
provider staff, who answer). Nobody else sees a single referral, coalition admins of other
organizations included; they see aggregates on the metrics page, which carries no personal
data. Analysts see the metrics only.
"""

from typing import Any

from django.db.models import Q

from lantern.accounts.roles import Capability
from lantern.accounts.selectors import has_capability, organization_ids_with


def referring_organization_ids(user: Any) -> set[Any]:
    return organization_ids_with(user, Capability.REFER)


def receiving_organization_ids(user: Any) -> set[Any]:
    return organization_ids_with(user, Capability.ANSWER_REFERRALS)


def may_refer(user: Any) -> bool:
    return has_capability(user, Capability.REFER)


def may_see_metrics(user: Any) -> bool:
    return has_capability(user, Capability.VIEW_METRICS)


def may_see_holds(user: Any) -> bool:
    """Who holds places now (staff names, counts): coalition admins, not analysts."""
    return has_capability(user, Capability.ADMINISTER_COALITION)


def visibility(user: Any) -> Q | None:
    """The filter for referrals `user` may see, or None when they may see none."""
    sent, received = referring_organization_ids(user), receiving_organization_ids(user)
    if not sent and not received:
        return None
    return Q(referring_organization_id__in=sent) | Q(receiving_organization_id__in=received)


def sides(user: Any, referral: Any) -> set[str]:
    """Which side(s) of this referral the user acts for: "referrer", "receiver"."""
    found = set()
    if referral.referring_organization_id in referring_organization_ids(user):
        found.add("referrer")
    if referral.receiving_organization_id in receiving_organization_ids(user):
        found.add("receiver")
    return found
