"""Who may do what with referrals. Default deny; "not allowed" looks like "not found".

A referral is seen by two organizations only: the one that sent it (its advocates, provider
staff and coalition admins: the people who refer) and the one that receives it (its
provider staff, who answer). Nobody else sees a single referral, coalition admins of other
organizations included; they see aggregates on the metrics page, which carries no personal
data. Analysts see the metrics only.
"""

from typing import Any

from django.db.models import Q

from lantern.accounts.models import Membership, Role

REFERRING_ROLES = (Role.ADVOCATE, Role.PROVIDER_STAFF, Role.COALITION_ADMIN)
RECEIVING_ROLES = (Role.PROVIDER_STAFF,)
METRICS_ROLES = (Role.COALITION_ADMIN, Role.ANALYST)


def _org_ids(user: Any, roles: tuple[str, ...]) -> set[Any]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cache: dict[tuple[str, ...], set[Any]] = user.__dict__.setdefault("_referral_orgs", {})
    if roles not in cache:
        cache[roles] = set(
            Membership.objects.filter(user=user, role__in=roles).values_list(
                "organization_id", flat=True
            )
        )
    return cache[roles]


def referring_organization_ids(user: Any) -> set[Any]:
    return _org_ids(user, REFERRING_ROLES)


def receiving_organization_ids(user: Any) -> set[Any]:
    return _org_ids(user, RECEIVING_ROLES)


def may_refer(user: Any) -> bool:
    return bool(referring_organization_ids(user))


def may_see_metrics(user: Any) -> bool:
    return bool(_org_ids(user, METRICS_ROLES))


def may_see_holds(user: Any) -> bool:
    """Who holds places now (staff names, counts): coalition admins, not analysts."""
    return bool(_org_ids(user, (Role.COALITION_ADMIN,)))


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
