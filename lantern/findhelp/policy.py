"""Who may see and act on help requests. Default deny; "not allowed" looks like "not found".

A help request is for the organization that takes them (the coalition's hotline or
advocate organization) and is seen only by that organization's advocates. Nobody else sees
one, provider staff and coalition admins of other organizations included.
"""

from typing import Any

from django.db.models import Q

from lantern.accounts.models import Membership, Role

HELP_REQUEST_ROLES = (Role.ADVOCATE,)


def advocate_organization_ids(user: Any) -> set[Any]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cache: dict[str, set[Any]] = user.__dict__.setdefault("_help_request_orgs", {})
    if "ids" not in cache:
        cache["ids"] = set(
            Membership.objects.filter(user=user, role__in=HELP_REQUEST_ROLES).values_list(
                "organization_id", flat=True
            )
        )
    return cache["ids"]


def visibility(user: Any) -> Q | None:
    """The filter for help requests `user` may see, or None when they may see none."""
    ids = advocate_organization_ids(user)
    if not ids:
        return None
    return Q(organization_id__in=ids)


def may_act(user: Any, help_request: Any) -> bool:
    return help_request.organization_id in advocate_organization_ids(user)
