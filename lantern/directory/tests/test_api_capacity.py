import json

import pytest
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.directory.models import Metadata, ServiceCapacity

pytestmark = pytest.mark.django_db


def _patch(client, capacity_id, body, headers):
    return client.patch(
        f"/api/v1/service_capacities/{capacity_id}",
        data=json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_member_updates_capacity_and_next_read_shows_it(world, client):
    cap = world.b_public.service.capacities.get()
    before = cap.updated
    response = _patch(client, cap.pk, {"available": 7}, world["provider_b"].api_headers())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["available"] == 7
    assert body["updated"].endswith("+00:00") and "." in body["updated"]
    assert len(body["updated"].split(".")[1].split("+")[0]) == 3  # milliseconds
    cap.refresh_from_db()
    assert cap.available == 7 and cap.updated > before
    read = client.get(f"/api/v1/services/{cap.service_id}").json()
    assert read["capacities"][0]["available"] == 7


def test_update_records_metadata_and_audit(world, client):
    cap = world.b_public.service.capacities.get()
    _patch(client, cap.pk, {"available": 1}, world["provider_b"].api_headers())
    meta = Metadata.objects.get(resource_id=cap.pk, field_name="available")
    assert (meta.previous_value, meta.replacement_value) == ("3", "1")
    assert meta.updated_by == "provider_b@example.test"
    event = AuditEvent.objects.filter(action="capacity.update").latest("id")
    assert event.actor == world["provider_b"].user
    assert event.detail["changes"] == {"available": [3, 1]}


@pytest.mark.parametrize("persona", ["provider_c", "advocate_a", "coalition_admin", "analyst"])
def test_capacity_of_another_org_is_404_like_a_missing_one(world, client, persona):
    cap = world.b_public.service.capacities.get()
    other = _patch(client, cap.pk, {"available": 1}, world[persona].api_headers())
    missing = _patch(
        client,
        "00000000-0000-4000-8000-000000000000",
        {"available": 1},
        world[persona].api_headers(),
    )
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    cap.refresh_from_db()
    assert cap.available == 3


@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_AUTHORIZATION": "Bearer lt_nope"}, {"HTTP_AUTHORIZATION": "Token abc"}]
)
def test_no_or_bad_token_is_401(world, client, headers):
    cap = world.b_public.service.capacities.get()
    assert _patch(client, cap.pk, {"available": 1}, headers).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"available": -1}, "available"),
        ({"available": 11}, "available"),
        ({"available": 2.5}, "available"),
        ({"available": "3"}, "available"),
        ({"available": True}, "available"),
        ({"available": 3, "beds": 2}, "beds"),
        ({"maximum": -4}, "maximum"),
        ({"available": 5, "maximum": 4}, "available"),
        ({}, "available"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(world, client, body, field):
    cap = world.b_public.service.capacities.get()
    events = AuditEvent.objects.count()
    response = _patch(client, cap.pk, body, world["provider_b"].api_headers())
    assert response.status_code == 422, response.content
    assert field in json.dumps(response.json()["detail"])
    cap.refresh_from_db()
    assert (cap.available, cap.maximum) == (3, 10)
    assert AuditEvent.objects.count() == events
    assert not Metadata.objects.filter(resource_id=cap.pk).exists()


def test_session_writes_need_csrf(world):
    cap = world.b_public.service.capacities.get()
    client = world["provider_b"].client()
    response = _patch(client, cap.pk, {"available": 2}, {})
    assert response.status_code == 403  # signed in, but no CSRF token
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 3


def test_stale_capacity_is_unknown_not_open(world, client):
    cap = world.c_public.service.capacities.get()
    ServiceCapacity.objects.filter(pk=cap.pk).update(
        updated=timezone.now() - timezone.timedelta(hours=9)
    )
    body = client.get(f"/api/v1/services/{cap.service_id}").json()
    assert body["capacities"][0]["freshness"] == "stale"
    assert body["capacities"][0]["status"] == "unknown"


def test_the_strictest_type_band_wins_and_unlisted_types_use_the_default(settings):
    from datetime import timedelta

    from lantern.directory.freshness import bands_for

    settings.LANTERN_FRESHNESS_HOURS = {"default": (2, 8), "residential-program": (24, 72)}
    assert bands_for(["residential-program"]) == (timedelta(hours=24), timedelta(hours=72))
    # A shelter that also runs a residential program ages like the shelter.
    assert bands_for(["residential-program", "emergency-shelter"]) == (
        timedelta(hours=2),
        timedelta(hours=8),
    )
    assert bands_for([]) == (timedelta(hours=2), timedelta(hours=8))


def test_a_patch_reads_each_row_once(world, client, django_assert_max_num_queries):
    """The capacity, its unit and its service are read once, before the write; the answer
    is rendered from them, not read again."""
    cap = world.b_public.service.capacities.get()
    headers = world["provider_b"].api_headers()
    _patch(client, cap.pk, {"available": 1}, headers)  # the first token use stamps it
    with django_assert_max_num_queries(20) as captured:
        response = _patch(client, cap.pk, {"available": 2}, headers)
    assert response.status_code == 200
    assert response.json()["unit"]["id"] == str(cap.unit_id)
    unit_reads = [q["sql"] for q in captured.captured_queries if 'FROM "unit"' in q["sql"]]
    assert unit_reads == []
