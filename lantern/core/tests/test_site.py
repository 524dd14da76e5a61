"""Links in messages point where the server is: LANTERN_SITE_URL when set, else the origin
of the request being answered, else the last one answered, else the embedded default."""

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from lantern.core.site import DEFAULT_SITE_URL, SiteOriginMiddleware, site_url


@pytest.fixture(autouse=True)
def _unset(settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["lantern.example.test", "192.0.2.7"]
    cache.clear()
    SiteOriginMiddleware.forget()
    yield
    cache.clear()
    SiteOriginMiddleware.forget()


def _answer(host: str, *, secure: bool = False) -> str:
    """What site_url() says inside a request to `host`."""
    seen: list[str] = []

    def view(request):
        seen.append(site_url())
        return HttpResponse("ok")

    request = RequestFactory().get("/", HTTP_HOST=host, secure=secure)
    SiteOriginMiddleware(view)(request)
    return seen[0]


def test_before_any_request_it_is_the_embedded_default():
    assert site_url() == DEFAULT_SITE_URL


def test_inside_a_request_it_is_that_request_s_origin():
    assert _answer("192.0.2.7:8000") == "http://192.0.2.7:8000"
    assert _answer("lantern.example.test", secure=True) == "https://lantern.example.test"


def test_after_a_request_messages_from_background_work_use_its_origin():
    _answer("192.0.2.7:8000")
    assert site_url() == "http://192.0.2.7:8000"


def test_a_host_outside_allowed_hosts_is_never_used():
    _answer("192.0.2.7:8000")
    assert _answer("evil.example.test") == "http://192.0.2.7:8000"
    assert site_url() == "http://192.0.2.7:8000"


def test_the_setting_wins_over_the_request(settings):
    settings.SITE_URL = "https://lantern.example.org"
    assert _answer("192.0.2.7:8000") == "https://lantern.example.org"
    assert site_url() == "https://lantern.example.org"
