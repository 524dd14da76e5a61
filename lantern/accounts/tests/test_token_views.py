"""The page where a staff member sees, revokes and creates their own API tokens."""

import time

import pytest

from lantern.accounts.models import ApiToken
from lantern.accounts.reauth import REAUTH_SESSION_KEY
from lantern.accounts.selectors import user_from_token
from lantern.accounts.services import token_create
from lantern.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/accounts/tokens/"


def _csrf(client):
    client.get("/accounts/login/")
    return client.cookies["csrftoken"].value


def _post(client, url, data=None):
    token = _csrf(client)
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token})


def _reauthenticated(client):
    session = client.session
    session[REAUTH_SESSION_KEY] = int(time.time())
    session.save()
    return client


def test_the_page_lists_only_your_own_tokens_without_secrets(world):
    provider = world["provider_b"]
    mine = token_create(user=provider.user, name="Openings sync", expires_days=30)
    theirs = token_create(user=world["advocate_a"].user, name="Advocate script")
    response = provider.client().get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Openings sync" in html and mine.token.prefix in html
    assert "Advocate script" not in html and theirs.token.prefix not in html
    assert mine.secret not in html and mine.token.token_hash not in html
    assert "no-store" in response["Cache-Control"]


def test_you_revoke_your_own_token_by_post_and_it_is_audited(world):
    provider = world["provider_b"]
    issued = token_create(user=provider.user, name="Old laptop")
    client = provider.client()
    response = _post(client, f"/accounts/tokens/{issued.token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == URL
    assert user_from_token(issued.secret) is None
    event = AuditEvent.objects.get(action="token.revoke", object_id=str(issued.token.pk))
    assert event.actor_id == provider.user.pk
    page = client.get(URL).content.decode()
    assert "Token “Old laptop” revoked." in page


def test_another_users_token_is_404_and_stays_valid(world):
    issued = token_create(user=world["advocate_a"].user, name="Advocate script")
    response = _post(world["provider_b"].client(), f"/accounts/tokens/{issued.token.pk}/revoke/")
    assert response.status_code == 404
    assert user_from_token(issued.secret) == world["advocate_a"].user
    missing = "/accounts/tokens/00000000-0000-4000-8000-000000000000/revoke/"
    assert _post(world["provider_b"].client(), missing).status_code == 404


def test_revoking_needs_the_csrf_token_and_a_post(world):
    provider = world["provider_b"]
    issued = token_create(user=provider.user)
    client = provider.client()
    url = f"/accounts/tokens/{issued.token.pk}/revoke/"
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    assert user_from_token(issued.secret) == provider.user


def test_the_page_needs_a_login_and_the_second_factor(world):
    from django.test import Client

    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    half = world["provider_b"].client(verified=False)
    response = half.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")
    issued = token_create(user=world["provider_b"].user)
    assert _post(half, f"/accounts/tokens/{issued.token.pk}/revoke/").status_code == 302
    assert user_from_token(issued.secret) == world["provider_b"].user
    created = _post(half, URL, {"name": "sneaky", "expires_days": "30"})
    assert created["Location"].startswith("/accounts/two-factor/")
    assert ApiToken.objects.filter(name="sneaky").count() == 0


def test_creating_a_token_needs_a_recent_password_and_code(world):
    client = world["provider_b"].client()
    page = client.get(URL).content.decode()
    assert "Confirm it is you to create a token" in page
    response = _post(client, URL, {"name": "Script", "expires_days": "90"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauth/?next=%2Faccounts%2Ftokens%2F"
    assert not ApiToken.objects.filter(name="Script").exists()


def test_a_created_token_is_shown_once_and_works(world):
    provider = world["provider_b"]
    client = _reauthenticated(provider.client())
    response = _post(client, URL, {"name": "Script", "expires_days": "90"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=provider.user, name="Script")
    assert token.expires is not None
    html = response.content.decode()
    secret = html.split('<code data-testid="secret">')[1].split("</code>")[0]
    assert user_from_token(secret) == provider.user
    assert AuditEvent.objects.filter(action="token.create", object_id=str(token.pk)).exists()
    assert secret not in client.get(URL).content.decode()  # never shown again


def test_a_token_needs_a_name_and_a_known_expiry(world):
    client = _reauthenticated(world["provider_b"].client())
    response = _post(client, URL, {"name": "", "expires_days": "7"})
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=world["provider_b"].user).count() == 1  # the persona's
    assert 'role="alert"' in response.content.decode()


def test_the_page_is_in_spanish_too(world):
    client = world["provider_b"].client()
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Sus tokens de la API" in html
