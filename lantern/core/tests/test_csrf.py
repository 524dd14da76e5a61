import pytest
from django.test import Client

from lantern.testing import UserFactory

pytestmark = pytest.mark.django_db


def _post(headers: dict[str, str], *, with_token: bool = True, secure: bool = False) -> int:
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/", secure=secure)
    data = {"username": user.email, "password": "wrong-password-here"}
    if with_token:
        data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    return client.post("/accounts/login/", data, secure=secure, **headers).status_code


def test_no_referrer_form_post_from_our_own_page_is_accepted():
    headers = {"HTTP_ORIGIN": "null", "HTTP_SEC_FETCH_SITE": "same-origin"}
    assert _post(headers) == 200
    assert _post(headers, secure=True) == 200


@pytest.mark.parametrize("site", ["cross-site", "same-site", "none"])
def test_null_origin_from_elsewhere_is_refused(site):
    assert _post({"HTTP_ORIGIN": "null", "HTTP_SEC_FETCH_SITE": site}) == 403


def test_foreign_origin_is_refused_even_with_a_same_origin_claim():
    headers = {"HTTP_ORIGIN": "https://evil.example", "HTTP_SEC_FETCH_SITE": "same-origin"}
    assert _post(headers) == 403


def test_token_is_still_required():
    headers = {"HTTP_ORIGIN": "null", "HTTP_SEC_FETCH_SITE": "same-origin"}
    assert _post(headers, with_token=False) == 403


def test_https_without_referer_needs_the_fetch_metadata():
    assert _post({}, secure=True) == 403
