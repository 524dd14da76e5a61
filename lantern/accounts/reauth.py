"""Re-authentication: whether this browser session entered its password and a code lately.

Pages and APIs that need a fresh confirmation (exports, withdrawing a consent, creating an
API token) ask here; `views.reauth` is the page that stamps the session.
"""

import time

from django.conf import settings
from django.http import HttpRequest

REAUTH_SESSION_KEY = "reauth_at"


def recently_reauthenticated(request: HttpRequest) -> bool:
    """Whether this session entered its password and code in the last few minutes."""
    stamp = request.session.get(REAUTH_SESSION_KEY, 0)
    return time.time() - stamp <= settings.LANTERN_REAUTH_SECONDS
