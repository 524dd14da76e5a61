"""Error pages are Lantern's own: quick exit, English or Spanish, never debug information."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

BIG = 2_621_440 + 1024

TITLES = {
    400: ("Something was wrong with that request", "Algo no estaba bien en esa solicitud"),
    403: ("You cannot do that here", "No puede hacer eso aquí"),
    404: ("Page not found", "Página no encontrada"),
    405: ("That cannot be done here", "Eso no se puede hacer aquí"),
    413: ("That was too much to send", "Era demasiado para enviar"),
    500: ("Something went wrong on our side", "Algo falló de nuestro lado"),
}


def _client(lang: str, **kwargs) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=lang, **kwargs)


def _request(status: int, lang: str):
    if status == 400:
        return _client(lang).get("/", HTTP_HOST="not-our-host.example")
    if status == 403:
        return _client(lang, enforce_csrf_checks=True).post("/accounts/login/", {"x": "1"})
    if status == 404:
        return _client(lang).get("/a-guessed/address/")
    if status == 405:
        return _client(lang).post("/staff/")
    if status == 413:
        return _client(lang).post("/accounts/login/", {"username": "x" * BIG})
    return _client(lang, raise_request_exception=False).get("/boom/")


@pytest.mark.urls("lantern.tests.urls_boom")
@pytest.mark.parametrize("status", sorted(TITLES))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_error_pages_are_lanterns_own_with_the_quick_exit(status, lang):
    response = _request(status, lang)
    assert response.status_code == status
    html = response.content.decode()
    assert TITLES[status][0 if lang == "en" else 1] in html
    assert "data-quick-exit" in html
    for leak in ("Traceback", "lantern-boom-marker", "Django", "DEBUG", "settings"):
        assert leak not in html


def test_a_guessed_address_is_not_the_debug_page_by_default(settings):
    assert settings.DEBUG is False
    response = Client().get("/wp-admin/")
    assert response.status_code == 404
    assert "URL patterns" not in response.content.decode()


@pytest.mark.urls("lantern.tests.urls_boom")
def test_an_api_server_error_is_json_without_internals():
    response = Client(raise_request_exception=False).get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": [{"loc": ["request"], "msg": "Server error."}]}


def test_the_404_page_is_the_same_for_every_caller(world):
    """No CSRF token, nonce or account menu: "not allowed" and "missing" cannot differ."""
    client = world["provider_b"].client()
    first = client.get("/a-guessed/address/")
    second = Client().get("/another/guess/")
    assert first.status_code == second.status_code == 404
    assert first.content == second.content
    assert b"csrfmiddlewaretoken" not in first.content
