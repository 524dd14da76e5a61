"""Who may use what in matching. Default deny; "not allowed" looks like "not found".

The survivor pages and `POST /api/v1/match` are open to everyone (rate-limited). The
advocate search, with every filter and a map, is for staff who help people find places:
advocates, provider staff and coalition admins. Analysts work with aggregates only.
"""

from typing import Any

from lantern.accounts.models import Role
from lantern.accounts.selectors import has_role


def may_use_advocate_search(user: Any) -> bool:
    return bool(user.is_authenticated) and has_role(
        user, Role.ADVOCATE, Role.PROVIDER_STAFF, Role.COALITION_ADMIN
    )
