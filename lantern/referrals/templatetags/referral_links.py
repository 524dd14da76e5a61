"""Template filters for links to the referral pages, asking the one referral policy."""

from typing import Any

from django import template

from lantern.referrals import policy

register = template.Library()


@register.filter
def may_refer(user: Any) -> bool:
    return policy.may_refer(user)


@register.filter
def may_receive_referrals(user: Any) -> bool:
    return bool(policy.receiving_organization_ids(user))
