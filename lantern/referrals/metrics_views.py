"""PLACEHOLDER while the metrics dashboard is being written: answers 404."""

from django.http import Http404, HttpRequest, HttpResponse


def dashboard(request: HttpRequest) -> HttpResponse:
    raise Http404
