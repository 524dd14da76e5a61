"""How the JSON API answers callers without usable credentials, and what /me names."""

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

NO_CREDENTIALS = "Authenticate with `Authorization: Bearer <token>` or a staff session."


def _patch_capacity(client, world, headers=None, **extra):
    cap = world.b_public.service.capacities.get()
    return client.patch(
        f"/api/v1/service_capacities/{cap.pk}",
        data=json.dumps({"available": 2}),
        content_type="application/json",
        **(headers or {}),
        **extra,
    )


def _assert_no_credentials(response):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "detail": [{"loc": ["header", "Authorization"], "msg": NO_CREDENTIALS}]
    }


def test_a_write_without_credentials_is_401_with_a_bearer_challenge(world):
    # A real client: Django's CSRF checks are on (the test client turns them off by default).
    client = Client(enforce_csrf_checks=True)
    _assert_no_credentials(_patch_capacity(client, world))
    _assert_no_credentials(
        client.post(
            "/api/v1/referrals",
            data=json.dumps({"service_id": str(world.b_public.service_id)}),
            content_type="application/json",
        )
    )


def test_a_read_that_needs_credentials_is_401_with_a_bearer_challenge(world):
    client = Client(enforce_csrf_checks=True)
    for path in ("/api/v1/me", "/api/v1/referrals", "/api/v1/referrals/metrics"):
        _assert_no_credentials(client.get(path))


def test_a_password_only_session_is_no_credentials_to_the_api(world):
    client = world["provider_b"].client(verified=False)
    _assert_no_credentials(_patch_capacity(client, world))
    _assert_no_credentials(client.get("/api/v1/me"))


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/services"])
def test_an_unknown_token_is_401_invalid_token(world, client, path):
    response = client.get(path, HTTP_AUTHORIZATION="Bearer lt_not-a-real-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["detail"][0]["loc"] == ["header", "Authorization"]


def test_a_session_write_without_csrf_stays_403(world):
    client = world["provider_b"].client()
    response = _patch_capacity(client, world)
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response
    assert world.b_public.service.capacities.get().available == 3


def test_a_session_write_with_csrf_is_allowed(world):
    client = world["provider_b"].client()
    client.get("/accounts/login/")
    csrf = client.cookies["csrftoken"].value
    response = _patch_capacity(client, world, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200, response.content
    assert world.b_public.service.capacities.get().available == 2


def test_a_token_write_needs_no_csrf(world):
    client = Client(enforce_csrf_checks=True)
    response = _patch_capacity(client, world, world["provider_b"].api_headers())
    assert response.status_code == 200, response.content


def test_me_names_each_organization_identifier_for_what_takes_it(world, client):
    body = client.get("/api/v1/me", **world["advocate_a"].api_headers()).json()
    assert body["organizations"] == [
        {
            "account_organization_id": str(world.org_a.pk),
            "name": "Advocates A",
            "hsds_organization_id": None,
            "roles": ["advocate"],
        }
    ]
    org = client.get("/api/v1/me", **world["provider_b"].api_headers()).json()["organizations"][0]
    # The HSDS endpoints take the HSDS id; the member organization's id is not one of theirs.
    hsds = client.get(f"/api/v1/organizations/{org['hsds_organization_id']}")
    assert hsds.status_code == 200
    assert hsds.json()["id"] == str(world.hsds_b.pk)
    assert client.get(f"/api/v1/organizations/{org['account_organization_id']}").status_code == 404


def test_the_schema_says_which_identifier_the_hsds_endpoints_take(client):
    schema = client.get("/api/v1/openapi.json").json()
    fields = schema["components"]["schemas"]["MeOrganization"]["properties"]
    assert "id" not in fields
    assert "/organizations/{organization_id}" in fields["hsds_organization_id"]["description"]
    assert "Not accepted by the HSDS endpoints" in fields["account_organization_id"]["description"]
    assert "take the directory's `hsds_organization_id`" in schema["info"]["description"]
