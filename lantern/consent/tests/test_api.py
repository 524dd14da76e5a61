import json
import time
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lantern.accounts.views import REAUTH_SESSION_KEY
from lantern.audit.models import AuditEvent
from lantern.consent.tests.factories import ConsentFactory
from lantern.testing import PERSONAS

pytestmark = pytest.mark.django_db

SEES = {"advocate_a", "provider_b", "coalition_admin"}
REVOKES = {"advocate_a"}


@pytest.fixture
def consent(world):
    return ConsentFactory(
        granted_by_organization=world.org_a,
        recipient=world.org_b,
        attested_by=world["advocate_a"].user,
        categories=["name", "language"],
    )


def _get(client, consent_id, headers):
    return client.get(f"/api/v1/consents/{consent_id}", **headers)


def _revoke(client, consent_id, headers, body=None):
    if body is None:
        return client.post(
            f"/api/v1/consents/{consent_id}/revoke",
            data=b"",
            content_type="application/json",
            **headers,
        )
    return client.post(
        f"/api/v1/consents/{consent_id}/revoke",
        data=json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_get_answers_the_record(world, consent):
    response = _get(Client(), consent.pk, world["advocate_a"].api_headers())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        "id": str(consent.pk),
        "recipient_id": str(world.org_b.pk),
        "categories": ["name", "language"],
        "purpose": "referral to services",
        "method": "written",
        "created": body["created"],
        "expires_at": body["expires_at"],
        "revoked_at": None,
        "state": "active",
    }
    assert body["expires_at"].endswith("Z")
    assert response["Cache-Control"] == "no-store"


def test_get_shows_expired_state(world):
    expired = ConsentFactory(
        granted_by_organization=world.org_a,
        recipient=world.org_b,
        created=timezone.now() - timedelta(days=3),
        expires_at=timezone.now() - timedelta(days=1),
    )
    body = _get(Client(), expired.pk, world["provider_b"].api_headers()).json()
    assert body["state"] == "expired"


@pytest.mark.parametrize("persona", PERSONAS)
def test_get_by_persona(world, consent, persona):
    headers = world[persona].api_headers()
    response = _get(Client(), consent.pk, headers)
    if persona in SEES:
        assert response.status_code == 200
    elif headers:
        missing = _get(Client(), uuid.uuid4(), headers)
        assert response.status_code == missing.status_code == 404
        assert response.json() == missing.json()
    else:
        assert response.status_code == 401


def test_get_with_verified_session(world, consent):
    client = world["provider_b"].client()
    assert _get(client, consent.pk, {}).status_code == 200
    assert _get(world["provider_c"].client(), consent.pk, {}).status_code == 404


def test_a_password_only_session_is_not_authenticated(world, consent):
    client = world["advocate_a"].client(verified=False)
    assert _get(client, consent.pk, {}).status_code == 401


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Bearer lt_nope"}])
def test_no_or_bad_token_is_401(world, consent, headers):
    assert _get(Client(), consent.pk, headers).status_code == 401
    assert _revoke(Client(), consent.pk, headers, {}).status_code == 401
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_revoke_answers_the_withdrawn_record_and_audits(world, consent):
    response = _revoke(
        Client(), consent.pk, world["advocate_a"].api_headers(), {"reason": "withdrawn"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "revoked" and body["revoked_at"] is not None
    consent.refresh_from_db()
    assert consent.revoked_by == world["advocate_a"].user
    assert consent.revoke_reason == "withdrawn"
    event = AuditEvent.objects.get(action="consent.revoke")
    assert event.object_id == str(consent.pk) and event.actor == world["advocate_a"].user
    # Withdrawing again: the same answer, nothing new.
    again = _revoke(Client(), consent.pk, world["advocate_a"].api_headers(), {})
    assert again.status_code == 200 and again.json() == body
    assert AuditEvent.objects.filter(action="consent.revoke").count() == 1


def test_revoke_without_a_body(world, consent):
    response = _revoke(Client(), consent.pk, world["advocate_a"].api_headers())
    assert response.status_code == 200, response.content
    consent.refresh_from_db()
    assert consent.revoked_at is not None and consent.revoke_reason == ""


@pytest.mark.parametrize("persona", PERSONAS)
def test_revoke_by_persona(world, consent, persona):
    headers = world[persona].api_headers()
    response = _revoke(Client(), consent.pk, headers, {})
    consent.refresh_from_db()
    if persona in REVOKES:
        assert response.status_code == 200
        assert consent.revoked_at is not None
        return
    assert consent.revoked_at is None
    if not headers:
        assert response.status_code == 401
        return
    # Seeing it but not being allowed to withdraw it looks like it does not exist.
    missing = _revoke(Client(), uuid.uuid4(), headers, {})
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"reason": "because"}, "reason"), ({"reason": "withdrawn", "note": "x"}, "note")],
)
def test_revoke_refuses_bad_bodies_naming_the_field(world, consent, body, field):
    response = _revoke(Client(), consent.pk, world["advocate_a"].api_headers(), body)
    assert response.status_code == 422
    assert field in json.dumps(response.json()["detail"][0]["loc"])
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_session_revoke_needs_csrf_and_a_recent_password(world, consent):
    client = world["advocate_a"].client()
    response = _revoke(client, consent.pk, {}, {})
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.revoked_at is None
    client.get("/staff/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    # With the CSRF token but without a recent password confirmation: refused.
    response = _revoke(client, consent.pk, {"HTTP_X_CSRFTOKEN": token}, {})
    assert response.status_code == 403 and response.json()["reauth"] == "/accounts/reauth/"
    consent.refresh_from_db()
    assert consent.revoked_at is None
    session = client.session
    session[REAUTH_SESSION_KEY] = int(time.time())
    session.save()
    response = _revoke(client, consent.pk, {"HTTP_X_CSRFTOKEN": token}, {})
    assert response.status_code == 200, response.content
    consent.refresh_from_db()
    assert consent.revoked_at is not None


def test_get_is_one_lookup_plus_the_policy(world, consent, django_assert_max_num_queries):
    client = Client()
    headers = world["provider_b"].api_headers()
    _get(client, consent.pk, headers)  # warm the token's last_used
    with django_assert_max_num_queries(6):
        assert _get(client, consent.pk, headers).status_code == 200


def test_revoke_with_a_bare_post(world, consent):
    """`curl -X POST` sends neither a body nor a content type."""
    response = Client().generic(
        "POST", f"/api/v1/consents/{consent.pk}/revoke", **world["advocate_a"].api_headers()
    )
    assert response.status_code == 200, response.content


def test_an_id_that_is_not_a_uuid_is_422_for_the_path(world):
    response = _get(Client(), "not-a-uuid", world["coalition_admin"].api_headers())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "consent_id"]
