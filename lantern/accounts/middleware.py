"""Session rules for staff: an idle timeout, and nothing but 2FA pages until verified."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Paths an authenticated but not yet 2FA-verified user may reach.
_UNVERIFIED_OK = ("/accounts/", "/static/")
_TOUCH_EVERY_SECONDS = 60


def is_verified(user: Any) -> bool:
    """Whether this session passed the second factor (django-otp sets `is_verified`)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get("last_seen", now)
            if now - last_seen > settings.LANTERN_SESSION_IDLE_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):
                    request.user = AnonymousUser()
                    return self.get_response(request)
                return redirect(f"{reverse('accounts:login')}?timeout=1")
            if now - last_seen >= _TOUCH_EVERY_SECONDS or "last_seen" not in request.session:
                request.session["last_seen"] = now
            if not is_verified(user):
                if request.path.startswith("/api/"):
                    # A password alone never authenticates an API call.
                    request.user = AnonymousUser()
                elif not request.path.startswith(_UNVERIFIED_OK):
                    return redirect(reverse("accounts:two-factor"))
        return self.get_response(request)
