"""Who may see and act on help requests. Default deny; "not allowed" looks like "not found".

A help request is for the organization that takes them (the coalition's hotline or
advocate organization) and is seen only by that organization's advocates. Nobody else sees
one, provider staff and coalition admins of other organizations included.
"""

from typing import Any

from django.db.models import Q

from lantern.accounts.roles import Capability
from lantern.accounts.selectors import organization_ids_with


def advocate_organization_ids(user: Any) -> set[Any]:
    return organization_ids_with(user, Capability.ANSWER_HELP_REQUESTS)


def visibility(user: Any) -> Q | None:
    """The filter for help requests `user` may see, or None when they may see none."""
    ids = advocate_organization_ids(user)
    if not ids:
        return None
    return Q(organization_id__in=ids)


def may_act(user: Any, help_request: Any) -> bool:
    return help_request.organization_id in advocate_organization_ids(user)
