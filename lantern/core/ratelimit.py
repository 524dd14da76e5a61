"""Named rate limits (settings.LANTERN_RATE_LIMITS) on top of django-ratelimit.

Counters are keyed by a keyed hash of the client address or of the account: an HMAC with
a secret derived from SECRET_KEY that changes every day (`KEY_ROTATION_SECONDS`), so
neither an IP address nor an email is ever stored, even in the cache, and yesterday's
counters cannot be linked to today's. (A rotation starts every counter afresh; every
limit here is far shorter than a day, so that costs nothing.)

Whom a counter belongs to: only a caller whose identity was checked gets a bucket of its
own. A verified session (password and second factor) is not limited here; a bearer token
is checked (`settings.LANTERN_TOKEN_USER`, the dotted path of a function from the token
to its user or None) and a valid one counts against its user. Anything else, including
an Authorization header that was not or could not be checked (pages never read it), is
counted against the hashed address, so sending junk headers buys no fresh bucket.
"""

import hashlib
import hmac
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django_ratelimit.core import get_usage

KEY_ROTATION_SECONDS = 24 * 60 * 60


def _period_secret(now: float | None = None) -> bytes:
    """The hashing secret of the current period, derived from SECRET_KEY."""
    period = int((time.time() if now is None else now) // KEY_ROTATION_SECONDS)
    return hmac.new(
        settings.SECRET_KEY.encode(), f"lantern.ratelimit.{period}".encode(), hashlib.sha256
    ).digest()


def _digest(value: str, *, now: float | None = None) -> str:
    return hmac.new(_period_secret(now), value.encode(), hashlib.sha256).hexdigest()[:32]


def client_key(request: HttpRequest) -> str:
    return _digest("ip:" + (request.META.get("REMOTE_ADDR") or "unknown"))


def account_key(identifier: str) -> str:
    return _digest("account:" + identifier.strip().lower())


def limited(
    request: HttpRequest, name: str, *, key: str | None = None, increment: bool = True
) -> bool:
    """True when the named limit is exhausted for this key (the client address by default)."""
    value = key or client_key(request)
    usage = get_usage(
        request,
        group=f"lantern.{name}",
        key=lambda _group, _request: value,
        rate=settings.LANTERN_RATE_LIMITS[name],
        increment=increment,
    )
    if usage is None:  # rate limiting switched off
        return False
    if increment:
        return bool(usage["should_limit"])
    # A check without counting: the limit is reached once `limit` events were counted.
    return bool(usage["count"] >= usage["limit"])


def too_many(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": "Too many requests"}, status=429)
    else:
        response = render(request, "core/429.html", status=429)
    response["Retry-After"] = "60"
    return response


@lru_cache(maxsize=4)
def _token_checker(path: str) -> Callable[[str], Any] | None:
    return import_string(path) if path else None


def _token_user(request: HttpRequest) -> Any:
    """The user of a valid bearer token on an API call, or None (no token, a junk one,
    or no checker configured)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    check = _token_checker(getattr(settings, "LANTERN_TOKEN_USER", ""))
    if check is None:
        return None
    user = check(token.strip())
    return user if user is not None and getattr(user, "is_active", True) else None


def _verified_session(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    check = getattr(user, "is_verified", None)
    return bool(check and check())


class RateLimitMiddleware:
    """Anonymous pages, anonymous API calls and token calls each have their own limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        if _verified_session(request):
            return self.get_response(request)
        api = request.path.startswith("/api/")
        name, key = ("anonymous_api" if api else "anonymous_pages"), None
        if api and request.headers.get("Authorization"):
            user = _token_user(request)
            # A checked token counts against its user; an unchecked or junk one against
            # the address, in the token limit (so a bad token is still answered 401).
            name = "token"
            key = _digest(f"user:{user.pk}") if user is not None else None
        if limited(request, name, key=key):
            return too_many(request)
        return self.get_response(request)
