"""Lantern's own error answers: a page with the quick exit, or the API's JSON error shape.

`lantern.urls` points Django's handler400/403/404/500 here; `CSRF_FAILURE_VIEW` too. None of
them shows debug information, and an over-large body (RequestDataTooBig) answers 413
instead of 400. `ErrorPageMiddleware` gives the same treatment to the bodiless errors views
return themselves (405 from `require_POST`, ninja's "Method not allowed").
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from lantern.core.api_errors import api_error_response, is_api_request

logger = logging.getLogger("lantern.errors")

# status: (title, explanation). Plain words, no detail about what went wrong inside.
MESSAGES = {
    400: (_("Something was wrong with that request"), _("Please go back and try again.")),
    403: (
        _("You cannot do that here"),
        _("Please go back and try again. If you were logged in, log in again."),
    ),
    404: (
        _("Page not found"),
        _("This page does not exist. Check the address, or start again from the front page."),
    ),
    405: (
        _("That cannot be done here"),
        _("This page cannot be used that way. Please go back and try again."),
    ),
    413: (
        _("That was too much to send"),
        _("What you sent was too large. Please send less, or send it in parts."),
    ),
    500: (
        _("Something went wrong on our side"),
        _("Please try again in a few minutes. Nothing you did caused this."),
    ),
}

API_MESSAGES = {
    400: "Bad request.",
    403: "Forbidden.",
    404: "Not found.",
    405: "Method not allowed.",
    413: "Request body too large.",
    500: "Server error.",
}

FALLBACK_500 = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Lantern</title></head>"
    "<body><h1>Something went wrong on our side</h1>"
    "<p>Please try again in a few minutes.</p></body></html>"
)


def error_response(request: HttpRequest, status: int) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(status, API_MESSAGES.get(status, "Error."))
    title, explanation = MESSAGES[status]
    context = {
        "status": status,
        "title": title,
        "explanation": explanation,
        "quick_exit_url": settings.LANTERN_QUICK_EXIT_URL,
    }
    try:
        # Rendered without the request: the same bytes for every caller (a 404 for "not
        # allowed" is indistinguishable from one for "missing": no CSRF token, nonce or
        # account menu), and no context processor that could fail inside a 500.
        html: str = render_to_string("core/error.html", context)
    except Exception:  # a broken page (database down ...) must not hide the error page
        if status != 500:
            raise
        logger.exception("the 500 page could not be rendered")
        html = FALLBACK_500
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 413 if isinstance(exception, RequestDataTooBig) else 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_response(request, 403)


class ErrorPageMiddleware:
    """Bodiless 405 answers (require_POST, require_safe) become the site's 405 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not response.streaming
            and not response.content
            and not is_api_request(request)
        ):
            page = error_response(request, 405)
            if "Allow" in response:
                page["Allow"] = response["Allow"]
            return page
        return response
