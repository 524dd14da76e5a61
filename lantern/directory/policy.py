"""The one place that decides who may see and change what in the directory.

Default deny. Callers get a 404 both for "does not exist" and "not allowed".
"""

from typing import Any

from lantern.accounts.roles import Capability
from lantern.accounts.selectors import has_capability, hsds_organization_ids_of


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


def may_exchange_hsds(user: Any) -> bool:
    """Import into and export the whole directory from the staff pages: coalition admins.

    An organization admin may not import, not even into their own organization: an HSDS
    file can name any organization, location and taxonomy by id, and a scoped import would
    have to prove every record (and every stored row an id would overwrite) is theirs.
    """
    return has_capability(user, Capability.ADMINISTER_COALITION)
