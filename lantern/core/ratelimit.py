"""Named rate limits (settings.LANTERN_RATE_LIMITS) on top of django-ratelimit.

Counters are keyed by an HMAC of the client address or of the account, so neither an IP
address nor an email is ever stored, even in the cache.
"""

import hashlib
import hmac
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage


def _digest(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


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


class RateLimitMiddleware:
    """Anonymous pages, anonymous API calls and token calls each have their own limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        auth_header = request.headers.get("Authorization", "")
        user = getattr(request, "user", None)
        if auth_header:
            name, key = "token", _digest("token:" + auth_header)
        elif user is not None and user.is_authenticated:
            return self.get_response(request)
        elif request.path.startswith("/api/"):
            name, key = "anonymous_api", None
        else:
            name, key = "anonymous_pages", None
        if limited(request, name, key=key):
            return too_many(request)
        return self.get_response(request)
