import re
import time
from base64 import b32decode, b32encode

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.audit.models import AuditEvent
from lantern.testing import PASSWORD, UserFactory, totp_code, totp_device

pytestmark = pytest.mark.django_db


def _csrf(client: Client, path: str) -> str:
    client.get(path)
    return client.cookies["csrftoken"].value


def _password_step(client: Client, email: str, password: str = PASSWORD, next_url: str = "/"):
    token = _csrf(client, "/accounts/login/")
    return client.post(
        "/accounts/login/",
        {"username": email, "password": password, "next": next_url, "csrfmiddlewaretoken": token},
    )


def test_password_alone_does_not_open_staff_pages():
    user = UserFactory()
    totp_device(user)
    client = Client(enforce_csrf_checks=True)
    response = _password_step(client, user.email, next_url="/provider/capacity/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")
    page = client.get("/provider/capacity/")
    assert page.status_code == 302 and page["Location"] == "/accounts/two-factor/"
    # A password-only session is anonymous to the API too.
    assert client.get("/api/v1/me").status_code == 401


def test_totp_code_completes_the_login():
    user = UserFactory()
    device = totp_device(user)
    client = Client(enforce_csrf_checks=True)
    _password_step(client, user.email, next_url="/provider/capacity/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/two-factor/",
        {"token": totp_code(device), "next": "/provider/capacity/", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and response["Location"] == "/provider/capacity/"
    assert client.get("/provider/capacity/").status_code == 200
    assert AuditEvent.objects.filter(action="login.2fa", actor=user).exists()


def test_wrong_code_is_refused_and_counts_toward_the_limit(rate_limits):
    user = UserFactory()
    totp_device(user)
    client = Client(enforce_csrf_checks=True)
    _password_step(client, user.email)
    token = client.cookies["csrftoken"].value
    statuses = [
        client.post(
            "/accounts/two-factor/", {"token": "000000", "csrfmiddlewaretoken": token}
        ).status_code
        for _ in range(7)
    ]
    assert statuses[0] == 200 and statuses[-1] == 429


def _shown_secret(page) -> str:
    match = re.search(rb'data-testid="totp-secret">([A-Z2-7=]+)<', page.content)
    assert match, page.content
    return match.group(1).decode()


def _code_for(secret: str) -> str:
    totp = TOTP(b32decode(secret), 30, 0, 6, 0)
    totp.time = time.time()
    return f"{totp.token():06d}"


def _post_code(client: Client, code: str):
    token = client.cookies["csrftoken"].value
    return client.post("/accounts/two-factor/", {"token": code, "csrfmiddlewaretoken": token})


def test_first_login_enrols_an_authenticator():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    _password_step(client, user.email)
    page = client.get("/accounts/two-factor/")
    assert b"<svg" in page.content
    secret = _shown_secret(page)
    response = _post_code(client, _code_for(secret))
    assert (
        response.status_code == 302 and response["Location"] == "/staff/"
    )  # the staff home, never the survivor page
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.bin_key == b32decode(secret)
    assert AuditEvent.objects.filter(action="2fa.enrol", actor=user).exists()


def test_showing_the_enrolment_page_stores_nothing():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    _password_step(client, user.email)
    first = _shown_secret(client.get("/accounts/two-factor/"))
    assert not TOTPDevice.objects.filter(user=user).exists()
    # The same session keeps its secret across reloads; it is bound to this session only.
    assert _shown_secret(client.get("/accounts/two-factor/")) == first


def test_a_secret_seen_after_a_password_only_login_never_becomes_a_second_factor():
    """Someone with the password sees an enrolment secret; the owner then enrols. The
    owner must get another secret, and the first one must not open the account."""
    user = UserFactory()
    intruder = Client(enforce_csrf_checks=True)
    _password_step(intruder, user.email)
    seen = _shown_secret(intruder.get("/accounts/two-factor/"))

    owner = Client(enforce_csrf_checks=True)
    _password_step(owner, user.email)
    owners = _shown_secret(owner.get("/accounts/two-factor/"))
    assert owners != seen
    assert _post_code(owner, _code_for(owners)).status_code == 302

    later = Client(enforce_csrf_checks=True)
    _password_step(later, user.email)
    refused = _post_code(later, _code_for(seen))
    assert refused.status_code == 200 and b"did not work" in refused.content
    assert list(TOTPDevice.objects.filter(user=user).values_list("confirmed", flat=True)) == [True]


def test_enrolling_deletes_every_other_unconfirmed_device():
    user = UserFactory()
    stale = TOTPDevice.objects.create(user=user, name="older attempt", confirmed=False)
    client = Client(enforce_csrf_checks=True)
    _password_step(client, user.email)
    secret = _shown_secret(client.get("/accounts/two-factor/"))
    assert secret != b32encode(stale.bin_key).decode()
    assert _post_code(client, _code_for(secret)).status_code == 302
    assert not TOTPDevice.objects.filter(pk=stale.pk).exists()
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_repeated_password_failures_lock_the_account(rate_limits):
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    for _ in range(5):
        assert _password_step(client, user.email, "wrong-password").status_code == 200
    # Even the right password is refused while locked, and the page says so plainly.
    locked = _password_step(client, user.email)
    assert locked.status_code == 429
    assert AuditEvent.objects.filter(action="login.locked").exists()
    # Another account from elsewhere is unaffected.
    other = UserFactory()
    assert _password_step(Client(enforce_csrf_checks=True), other.email).status_code == 302


def test_unknown_and_wrong_password_look_the_same():
    user = UserFactory()
    wrong = _password_step(Client(enforce_csrf_checks=True), user.email, "nope-nope-nope")
    unknown = _password_step(Client(enforce_csrf_checks=True), "nobody@example.test")
    assert wrong.status_code == unknown.status_code == 200

    def alert(response) -> bytes:
        match = re.search(rb'role="alert">(.*?)</p>', response.content, re.S)
        assert match, response.content
        return match.group(1)

    assert alert(wrong) == alert(unknown)


def test_idle_session_times_out(world, settings):
    client = world["provider_b"].client()
    assert client.get("/provider/capacity/").status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - settings.LANTERN_SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get("/provider/capacity/")
    assert response.status_code == 302 and "timeout=1" in response["Location"]
    assert client.get("/provider/capacity/")["Location"].startswith("/accounts/login/")


def test_reauth_asks_for_password_and_code(world):
    persona = world["coalition_admin"]
    client = persona.client()
    token = _csrf(client, "/accounts/reauth/")
    bad = client.post(
        "/accounts/reauth/",
        {"password": "wrong", "token": "123456", "next": "/", "csrfmiddlewaretoken": token},
    )
    assert bad.status_code == 200 and b"did not work" in bad.content
    device = totp_device(persona.user)
    # django-otp throttles a device after a wrong code; an app user would wait a second.
    device.throttle_reset(commit=True)
    good = client.post(
        "/accounts/reauth/",
        {
            "password": PASSWORD,
            "token": totp_code(device),
            "next": "/",
            "csrfmiddlewaretoken": token,
        },
    )
    assert good.status_code == 302
    assert client.session["reauth_at"] >= int(time.time()) - 5


def test_open_redirects_are_refused():
    user = UserFactory()
    device = totp_device(user)
    client = Client(enforce_csrf_checks=True)
    _password_step(client, user.email)
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/two-factor/",
        {"token": totp_code(device), "next": "https://evil.example/", "csrfmiddlewaretoken": token},
    )
    assert response["Location"] == "/staff/"  # refused: the staff home instead
