import json
from datetime import timedelta

import pytest
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.directory.models import ServiceCapacity
from lantern.referrals.models import Referral
from lantern.referrals.tests.factories import SHARED, send

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals"


def post(world, persona, url, body):
    return (
        world[persona]
        .client()
        .post(
            url,
            data=json.dumps(body),
            content_type="application/json",
            **world[persona].api_headers(),
        )
    )


def get(world, persona, url):
    return world[persona].client().get(url, **world[persona].api_headers())


def body(world, **extra):
    return {
        "service_id": str(world.b_public.service_id),
        "needs": {"age": 31, "help_types": ["emergency-shelter"], "languages": ["es"]},
        **extra,
    }


def consent(days=30):
    return {
        "categories": ["name", "contact"],
        "purpose": "referral to services",
        "method": "written",
        "expires_at": (timezone.now() + timedelta(days=days)).isoformat(),
        "attested": True,
    }


def test_create_with_hold_answers_201_with_the_hold(world):
    response = post(world, "advocate_a", URL, body(world, hold=True))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "sent" and data["hold"]["state"] == "active"
    assert data["hold"]["expires_at"] and data["id"] and data["code"]
    assert data["needs"]["age"] == 31 and data["shared"] == {}
    assert ServiceCapacity.objects.get(service_id=world.b_public.service_id).available == 2


def test_create_with_consented_items(world):
    response = post(world, "advocate_a", URL, body(world, shared=SHARED, consent=consent()))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["shared"] == SHARED and data["consent"]["state"] == "active"


def test_hold_on_a_full_service_is_409_and_writes_nothing(world):
    ServiceCapacity.objects.filter(service_id=world.b_public.service_id).update(available=0)
    response = post(world, "advocate_a", URL, body(world, hold=True))
    assert response.status_code == 409
    assert Referral.objects.count() == 0


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"shared": SHARED}, "consent"),
        ({"shared": SHARED, "consent": {**consent(), "expires_at": None}}, "expires_at"),
        ({"shared": {"name": "Rosa", "favourite": "x"}, "consent": consent()}, "favourite"),
        ({"needs": {"age": -3}}, "age"),
        ({"needs": {"location": {"latitude": 200, "longitude": 0}}}, "latitude"),
        ({"needs": {"postcode": "00000"}}, "postcode"),
        ({"surprise": 1}, "surprise"),
        ({"hold": "yes"}, "hold"),
    ],
)
def test_bad_input_is_422_naming_the_field(world, extra, field):
    response = post(world, "advocate_a", URL, body(world, **extra))
    assert response.status_code == 422, response.content
    assert field in json.dumps(response.json()["detail"])
    assert Referral.objects.count() == 0


def test_a_service_id_that_does_not_exist_is_422(world):
    response = post(
        world, "advocate_a", URL, {"service_id": "00000000-0000-0000-0000-000000000000"}
    )
    assert response.status_code == 422
    assert "service_id" in json.dumps(response.json())


def test_one_referral_is_visible_to_the_two_organizations_only(world):
    referral = send(world, shared=True)
    url = f"{URL}/{referral.pk}"
    assert get(world, "advocate_a", url).status_code == 200
    assert get(world, "provider_b", url).status_code == 200
    for persona in ("provider_c", "coalition_admin", "analyst"):
        assert get(world, persona, url).status_code == 404
    assert get(world, "anonymous", url).status_code == 401
    assert (
        get(world, "advocate_a", f"{URL}/00000000-0000-0000-0000-000000000000").status_code == 404
    )


def test_the_provider_opening_a_referral_marks_it_viewed_and_is_audited(world):
    referral = send(world, shared=True)
    data = get(world, "provider_b", f"{URL}/{referral.pk}").json()
    assert data["status"] == "viewed" and data["shared"] == SHARED
    assert "accepted" in data["next"] and "withdrawn" not in data["next"]
    read = AuditEvent.objects.filter(action="referral.read_personal", object_id=referral.pk)
    assert read.exists()
    assert "Rosa" not in json.dumps(list(read.values_list("detail", flat=True)))


def test_status_changes(world):
    referral = send(world, hold=True)
    url = f"{URL}/{referral.pk}/status"
    declined = post(world, "provider_b", url, {"status": "declined"})
    assert declined.status_code == 422 and "reason" in json.dumps(declined.json())
    bad = post(world, "advocate_a", url, {"status": "accepted"})
    assert bad.status_code == 409
    other = post(world, "provider_c", url, {"status": "accepted"})
    assert other.status_code == 404
    ok = post(world, "provider_b", url, {"status": "accepted"})
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"
    assert ok.json()["hold"]["state"] == "kept"
    again = post(world, "provider_b", url, {"status": "waitlisted"})
    assert again.status_code == 409


def test_decline_with_reason_and_note(world):
    referral = send(world)
    response = post(
        world,
        "provider_b",
        f"{URL}/{referral.pk}/status",
        {"status": "declined", "reason": "not_eligible", "note": "Age range"},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["decline_reason"] == "not_eligible" and data["note"] == "Age range"


def test_unknown_decline_reason_is_422(world):
    referral = send(world)
    response = post(
        world, "provider_b", f"{URL}/{referral.pk}/status", {"status": "declined", "reason": "x"}
    )
    assert response.status_code == 422


def test_the_list_shows_what_the_caller_may_see(world):
    send(world)
    send(world)
    assert get(world, "advocate_a", URL).json()["total"] == 2
    assert get(world, "provider_b", f"{URL}?box=inbox").json()["total"] == 2
    assert get(world, "provider_b", f"{URL}?box=outbox").json()["total"] == 0
    assert get(world, "provider_c", URL).json()["total"] == 0
    listed = get(world, "provider_b", URL).json()["results"][0]
    assert "shared" not in listed and "needs" not in listed
    assert get(world, "advocate_a", f"{URL}?box=nope").status_code == 422


def test_the_list_makes_the_same_number_of_queries_for_2_or_8_referrals(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = world["advocate_a"].client()
    headers = world["advocate_a"].api_headers()
    client.get(URL, **headers)  # the first request also touches the token and session
    counts = []
    for number in range(8):
        send(world, hold=number < 2)
        if number in (1, 7):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(URL, **headers)
            assert response.json()["total"] == number + 1
            counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 12
