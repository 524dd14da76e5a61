"""Where links in e-mails and text messages point (one-tap capacity links, invitations,
inbox and verification reminders).

`LANTERN_SITE_URL`, when set, is the answer: production sets it, and its system check
requires it (a link built from a request's `Host` header is only as trustworthy as
`ALLOWED_HOSTS`, and a message sent from a background task has no request at all).

Unset (the embedded run, a LAN demo), the answer is the origin the server is being reached
at: during a request, that request's own scheme and host (Django has already checked the
host against `ALLOWED_HOSTS`); outside one, the origin of the most recent request this
install answered, shared through the cache; before any request, `DEFAULT_SITE_URL`.
"""

import time
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

DEFAULT_SITE_URL = "http://127.0.0.1:8000"
CACHE_KEY = "lantern:site-origin"
# An origin is remembered for a month, and written again every few minutes while requests
# come (a cache that lost the key, a restarted Redis, learns it back soon).
CACHE_SECONDS = 30 * 24 * 3600
REFRESH_SECONDS = 300

_current: ContextVar[str | None] = ContextVar("lantern_site_origin", default=None)
_last_stored: dict[str, tuple[str, float]] = {}


def site_url() -> str:
    """The scheme and host (no trailing slash) that links in messages start with."""
    configured = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if configured:
        return configured
    current = _current.get()
    if current:
        return current
    remembered = cache.get(CACHE_KEY)
    return str(remembered) if remembered else DEFAULT_SITE_URL


def _origin(request: HttpRequest) -> str | None:
    try:
        host = request.get_host()  # validated against ALLOWED_HOSTS
    except DisallowedHost:
        return None
    return f"{request.scheme}://{host}"


class SiteOriginMiddleware:
    """Makes the request's own origin the site URL while it runs, and remembers it for
    messages sent outside a request (a cache write when the origin changes, and every
    `REFRESH_SECONDS`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def forget() -> None:
        """Forget which origin this process last stored (tests clear the cache too)."""
        _last_stored.clear()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = None if settings.SITE_URL else _origin(request)
        if origin is None:
            return self.get_response(request)
        now = time.monotonic()
        stored, when = _last_stored.get(CACHE_KEY, ("", 0.0))
        if stored != origin or now - when > REFRESH_SECONDS:
            cache.set(CACHE_KEY, origin, CACHE_SECONDS)
            _last_stored[CACHE_KEY] = (origin, now)
        token = _current.set(origin)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
