"""Who may use what in matching. Default deny; "not allowed" looks like "not found".

The survivor pages and `POST /api/v1/match` are open to everyone (rate-limited). The
advocate search, with every filter and a map, is for staff who help people find places:
advocates, provider staff and coalition admins. Analysts work with aggregates only.
"""

from typing import Any

from lantern.accounts.roles import Capability
from lantern.accounts.selectors import has_capability


def may_use_advocate_search(user: Any) -> bool:
    return has_capability(user, Capability.ADVOCATE_SEARCH)
