"""The one place that decides who may see and change what in the directory.

Default deny. Callers get a 404 both for "does not exist" and "not allowed".
"""

from typing import Any

from lantern.accounts.selectors import hsds_organization_ids_of


def sees_exact_location(user: Any, location: Any) -> bool:
    """Exact address and coordinates of a confidential location: its own organization only.

    Not even coalition admins: a compromised admin account must not become a map of safe
    houses.
    """
    if not location.confidential:
        return True
    if location.organization_id is None:
        return False
    return str(location.organization_id) in hsds_organization_ids_of(user)


def may_update_capacity(user: Any, service: Any) -> bool:
    """Any member of the organization that owns the service may update its capacity."""
    return str(service.organization_id) in hsds_organization_ids_of(user)
