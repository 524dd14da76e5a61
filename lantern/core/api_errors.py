"""One shape for API errors: `{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`.

It is the shape django-ninja uses for its own validation errors, so clients parse one
format whichever layer found the problem. `install_error_handlers` gives the API's own
exceptions that shape; `ApiErrorShapeMiddleware` reshapes every other 4xx under /api/
(405 from routing, 429 from the rate limiter, `{"detail": "text"}` answers), so no client
ever sees a second format, a debug page or a traceback.
"""

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja.errors import AuthenticationError, HttpError

from lantern.core.errors import NotFound

API_PREFIX = "/api/"

# Where a status's problem lies when the answer does not say.
DEFAULT_LOC: dict[int, list[str]] = {
    400: ["body"],
    401: ["header", "Authorization"],
    403: ["request"],
    404: ["path"],
    405: ["method"],
    409: ["body"],
    413: ["body"],
    415: ["header", "Content-Type"],
    429: ["request"],
}


# The error answers an authenticated write can give, for an operation's `response=`:
# 400 a body that is not JSON, 401 no or a bad token, 403 a session caller without a CSRF
# token (or a fresh confirmation where one is asked), 404 missing or not allowed, 422 a field.
WRITE_ERRORS: dict[int, Any] = {
    400: dict[str, Any],
    401: dict[str, Any],
    403: dict[str, Any],
    404: dict[str, Any],
    422: dict[str, Any],
}


class FieldError(Exception):
    """Raise from an endpoint to answer 422 naming the offending field."""

    def __init__(
        self, field: str, message: str, *, where: str = "body", kind: str = "value_error"
    ) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.where = where
        self.kind = kind

    def payload(self) -> dict[str, Any]:
        return {
            "detail": [{"loc": [self.where, self.field], "msg": self.message, "type": self.kind}]
        }


def reject_unknown_query(request: HttpRequest, allowed: Iterable[str]) -> None:
    """Unknown query parameters are an error, not silently ignored (a typo would widen a
    search without the caller noticing)."""
    allowed_set = set(allowed)
    for key in request.GET:
        if key not in allowed_set:
            raise FieldError(key, "unknown query parameter", where="query", kind="extra_forbidden")


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def error_detail(status: int, msg: str, loc: list[str] | None = None) -> dict[str, Any]:
    return {"detail": [{"loc": loc or DEFAULT_LOC.get(status, ["request"]), "msg": msg}]}


def api_error_response(status: int, msg: str, loc: list[str] | None = None) -> HttpResponse:
    response = JsonResponse(error_detail(status, msg, loc), status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


def is_error_shape(payload: Any) -> bool:
    detail = payload.get("detail") if isinstance(payload, dict) else None
    return (
        isinstance(detail, list)
        and bool(detail)
        and all(isinstance(item, dict) and "loc" in item and "msg" in item for item in detail)
    )


def install_error_handlers(api: Any) -> None:
    """Register the API's exception handlers (one place, one shape)."""

    def field_error(request: HttpRequest, exc: FieldError) -> HttpResponse:
        return api.create_response(request, exc.payload(), status=422)

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, error_detail(404, "Not found."), status=404)

    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request, error_detail(401, "Authentication required."), status=401
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(
            request, error_detail(exc.status_code, str(exc)), status=exc.status_code
        )

    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(
            request, error_detail(413, "Request body too large."), status=413
        )

    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        raise exc  # Django's handler500 answers, never a traceback in the body

    api.add_exception_handler(Exception, unexpected)
    api.add_exception_handler(FieldError, field_error)
    api.add_exception_handler(NotFound, not_found)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(RequestDataTooBig, too_big)


class ApiErrorShapeMiddleware:
    """Every 4xx under /api/ leaves in the one error shape, whoever produced it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api_request(request) or not 400 <= response.status_code < 500:
            return response
        if response.streaming:
            return response
        payload: Any = None
        if response.get("Content-Type", "").startswith("application/json"):
            try:
                payload = json.loads(response.content or b"null")
            except ValueError:
                payload = None
        if is_error_shape(payload):
            return response
        text = payload.get("detail") if isinstance(payload, dict) else None
        msg = text if isinstance(text, str) and text else _reason(response)
        body = error_detail(response.status_code, msg)
        if isinstance(payload, dict):  # other keys stay (e.g. "reauth": where to confirm)
            body = {**payload, **body}
        shaped = JsonResponse(body, status=response.status_code)
        if response.status_code == 401:
            shaped["WWW-Authenticate"] = "Bearer"
        for header in ("Allow", "Retry-After", "WWW-Authenticate", "Cache-Control"):
            if header in response:
                shaped[header] = response[header]
        return shaped


def _reason(response: HttpResponse) -> str:
    return f"{response.reason_phrase or 'Error'}."
