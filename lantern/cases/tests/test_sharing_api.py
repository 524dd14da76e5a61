"""The sharing API: shares, their withdrawal and the disclosure log."""

import json
from datetime import UTC, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lantern.cases.models import CaseShare
from lantern.cases.reading import case_read
from lantern.cases.selectors import case_for_user
from lantern.cases.tests.factories import open_case
from lantern.cases.tests.sharing_factories import reauthenticated, share
from lantern.core.errors import NotFound

pytestmark = pytest.mark.django_db


def _body(world, **overrides):
    body = {
        "recipient_id": str(world.org_c.pk),
        "groups": ["identity"],
        "purpose": "continuing services",
        "method": "written",
        "expires_at": (timezone.now() + timedelta(days=30)).astimezone(UTC).isoformat(),
    }
    body.update(overrides)
    return body


def _post(world, persona, url, body=None):
    return Client().post(
        url,
        data=json.dumps(body if body is not None else {}),
        content_type="application/json",
        **world[persona].api_headers(),
    )


def _get(world, persona, url):
    return Client().get(url, **world[persona].api_headers())


def test_share_and_list(world):
    case = open_case(world)
    response = _post(world, "provider_b", f"/api/v1/cases/{case.pk}/shares", _body(world))
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["recipient_id"] == str(world.org_c.pk)
    assert made["groups"] == ["identity"]
    assert made["state"] == "active"
    assert made["may_add_notes"] is False
    listed = _get(world, "provider_b", f"/api/v1/cases/{case.pk}/shares").json()
    assert listed["total"] == 1
    assert [r["id"] for r in listed["results"]] == [made["id"]]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"groups": ["name"]}, "groups"),
        ({"groups": ["identity", "safety_notes"]}, "groups"),
        ({"recipient_id": "00000000-0000-4000-8000-000000000000"}, "recipient_id"),
        ({"expires_at": "2031-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": 1893456000}, "expires_at"),
        ({"method": "telepathy"}, "method"),
        ({"groups": ["identity"], "may_add_notes": True}, "may_add_notes"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_input_is_422_naming_the_field(world, overrides, field):
    case = open_case(world)
    response = _post(
        world, "provider_b", f"/api/v1/cases/{case.pk}/shares", _body(world, **overrides)
    )
    assert response.status_code == 422, response.content
    assert field in json.dumps(response.json()["detail"][0]["loc"])
    assert not CaseShare.objects.exists()


def test_categories_outside_the_case_catalogue_are_named(world):
    case = open_case(world)
    response = _post(
        world,
        "provider_b",
        f"/api/v1/cases/{case.pk}/shares",
        _body(world, groups=["contact", "name"]),
    )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "groups"]
    assert "name" in detail["msg"]


def test_own_organization_is_refused_naming_the_recipient(world):
    case = open_case(world)
    response = _post(
        world,
        "provider_b",
        f"/api/v1/cases/{case.pk}/shares",
        _body(world, recipient_id=str(world.org_b.pk)),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "recipient_id"]


@pytest.mark.parametrize("persona", ["provider_c", "advocate_a", "coalition_admin", "analyst"])
def test_others_get_404_everywhere(world, persona):
    case = open_case(world)
    made = share(world, case, groups=["identity", "contact"])  # provider_c: the recipient
    base = f"/api/v1/cases/{case.pk}"
    assert _get(world, persona, f"{base}/shares").status_code == 404
    assert _get(world, persona, f"{base}/disclosures").status_code == 404
    assert (
        _post(
            world, persona, f"{base}/shares", _body(world, recipient_id=str(world.org_a.pk))
        ).status_code
        == 404
    )
    assert _post(world, persona, f"{base}/shares/{made.pk}/revoke").status_code == 404
    made.consent.refresh_from_db()
    assert made.consent.revoked_at is None
    assert CaseShare.objects.count() == 1


def test_revoke_answers_the_new_state_and_the_recipient_loses_the_case(world):
    case = open_case(world)
    made = share(world, case)
    url = f"/api/v1/cases/{case.pk}/shares/{made.pk}/revoke"
    response = _post(world, "provider_b", url, {"reason": "withdrawn"})
    assert response.status_code == 200
    assert response.json()["state"] == "revoked"
    with pytest.raises(NotFound):
        case_for_user(world["provider_c"].user, case.pk)
    again = _post(world, "provider_b", url)
    assert again.status_code == 200
    assert again.json()["revoked_at"] == response.json()["revoked_at"]
    assert _post(world, "provider_b", url, {"reason": "because"}).status_code == 422


def test_a_share_of_another_case_is_404(world):
    case = open_case(world)
    other = open_case(world, alias="Ana Fictional")
    made = share(world, other)
    url = f"/api/v1/cases/{case.pk}/shares/{made.pk}/revoke"
    assert _post(world, "provider_b", url).status_code == 404


def test_a_browser_session_confirms_first(world):
    case = open_case(world)
    client = world["provider_b"].client()
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    url = f"/api/v1/cases/{case.pk}/shares"
    send = {
        "data": json.dumps(_body(world)),
        "content_type": "application/json",
        "HTTP_X_CSRFTOKEN": token,
    }
    response = client.post(url, **send)
    assert response.status_code == 403
    assert response.json()["reauth"] == "/accounts/reauth/"
    assert not CaseShare.objects.exists()
    reauthenticated(client)
    assert client.post(url, **send).status_code == 201


def test_disclosures_list_the_recipients_read(world):
    case = open_case(world)
    share(world, case, groups=["identity"])
    reader = world["provider_c"].user
    found, reach = case_for_user(reader, case.pk)
    case_read(actor=reader, case=found, reach=reach)
    response = _get(world, "provider_b", f"/api/v1/cases/{case.pk}/disclosures?limit=1")
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 2
    (row,) = page["results"]
    assert row["kind"] == "shared_read"
    assert row["organization"] == "Provider C"
    assert row["groups"] == ["identity"]
    second = _get(world, "provider_b", f"/api/v1/cases/{case.pk}/disclosures?offset=1").json()
    assert [r["kind"] for r in second["results"]] == ["share"]
    assert second["results"][0]["recipient"] == "Provider C"
    assert (
        _get(world, "provider_b", f"/api/v1/cases/{case.pk}/disclosures?limit=0").status_code == 422
    )
