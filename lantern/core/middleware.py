"""Headers that every response carries, whatever view produced it."""

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from lantern.core.errors import NotFound

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(self), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


class PrivacyHeadersMiddleware:
    """Permissions-Policy everywhere; `Cache-Control: no-store` for anyone not logged in.

    A survivor's phone may be read by the person they fled: a page that was never cached
    cannot be recovered from the browser cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Referrer-Policy", "no-referrer")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
        return response


class DomainErrorMiddleware:
    """Pages answer a domain `NotFound` with the site's one 404 (missing and not allowed
    look the same), so services and selectors never raise HTTP exceptions."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, NotFound):
            raise Http404 from exception
