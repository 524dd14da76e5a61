"""Authentication for the JSON API: bearer tokens, or the browser session.

`TokenAuth` is required auth: no or a bad token gives 401. `OptionalAuth` lets anonymous
callers through for public reads, but a *bad* token still gives 401 rather than silently
downgrading the caller to anonymous. `SessionAuth` takes a verified browser session and
checks CSRF on writes; a request with no session user is simply not authenticated by it, so
a caller with no credentials at all gets 401 (with `WWW-Authenticate: Bearer`, see
`unauthenticated_answer`), never a CSRF 403.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

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


class SessionAuth(NinjaSessionAuth):
    """The session, when it has a (2FA-verified) user; CSRF is checked only then."""

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)


token_auth = TokenAuth()
optional_auth = OptionalAuth()
session_auth = SessionAuth()
# Writes accept a token or a session (the session path keeps CSRF checks on).
write_auth = [token_auth, session_auth]


def api_user(request: HttpRequest) -> Any:
    """The caller that django-ninja's auth resolved for this request (a user or anonymous)."""
    return getattr(request, "auth", None)


def unauthenticated_answer(request: HttpRequest) -> tuple[dict[str, Any], str]:
    """The body and `WWW-Authenticate` challenge of a 401 (RFC 6750): plain `Bearer` when
    no bearer token was sent, `Bearer error="invalid_token"` when one was sent but is
    unknown, revoked or expired. The body names the header, like every other API error."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        message = "The token is unknown, revoked or expired."
        challenge = 'Bearer error="invalid_token"'
    else:
        message = "Authenticate with `Authorization: Bearer <token>` or a staff session."
        challenge = "Bearer"
    return {"detail": [{"loc": ["header", "Authorization"], "msg": message}]}, challenge
