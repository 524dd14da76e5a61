"""Authentication for the JSON API: bearer tokens, or the browser session.

`TokenAuth` is required auth: no or a bad token gives 401. `OptionalAuth` lets anonymous
callers through for public reads, but a *bad* token still gives 401 rather than silently
downgrading the caller to anonymous.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from lantern.accounts.selectors import user_from_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_from_token(token)
        if user is None:
            return None
        request.user = user
        return user


class OptionalAuth(TokenAuth):
    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get(self.header):
            return super().__call__(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return AnonymousUser()


token_auth = TokenAuth()
optional_auth = OptionalAuth()
# Writes accept a token or a session (the session path keeps CSRF checks on).
write_auth = [token_auth, django_auth]


def api_user(request: HttpRequest) -> Any:
    """The caller that django-ninja's auth resolved for this request (a user or anonymous)."""
    return getattr(request, "auth", None)
