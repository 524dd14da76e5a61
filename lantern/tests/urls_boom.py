"""The site's URLs plus a view that fails, to see the 500 page."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from lantern.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals: lantern-boom-marker")


urlpatterns = [path("boom/", boom), path("api/v1/boom", boom), *urlpatterns]
