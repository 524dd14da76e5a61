"""The rendered-document cache behind the list endpoints: never stale, never a leak."""

import gc
from datetime import timedelta
from typing import Any

import pytest
from django.db import models, transaction
from django.utils import timezone

from lantern.directory import doccache
from lantern.directory.models import Address, Service, ServiceCapacity

pytestmark = pytest.mark.django_db

SERVICES = "/api/v1/services"
SALS = "/api/v1/service_at_locations"


def _items(client, path: str, persona=None, **params: Any) -> dict[str, dict[str, Any]]:
    headers = persona.api_headers() if persona is not None else {}
    response = client.get(path, {"per_page": 50, **params}, **headers)
    assert response.status_code == 200, response.content
    return {item["id"]: item for item in response.json()["contents"]}


def _cached(kind: str, item_id: Any) -> bool:
    key = doccache._key(doccache.generation(), kind, item_id)
    return doccache.cache.get(key) is not None


def test_a_list_read_fills_the_cache_and_a_second_read_is_the_same(world, client):
    first = _items(client, SERVICES)
    assert _cached("service", world.b_public.service_id)
    assert _items(client, SERVICES) == first


def test_an_edit_through_the_models_shows_at_once(world, client):
    _items(client, SALS)
    address = Address.objects.get(location=world.c_public.location)
    address.city = "Renamed City"
    address.save()
    item = _items(client, SALS)[str(world.c_public.pk)]
    assert item["location"]["addresses"][0]["city"] == "Renamed City"

    service = world.c_public.service
    service.name = "Renamed Service"
    service.save()
    assert _items(client, SERVICES)[str(service.pk)]["name"] == "Renamed Service"
    assert _items(client, SALS)[str(world.c_public.pk)]["service"]["name"] == "Renamed Service"


def test_a_bulk_write_shows_after_invalidate(world, client):
    _items(client, SERVICES)
    Service.objects.filter(pk=world.c_public.service_id).update(name="Bulk Renamed")
    doccache.invalidate()
    assert _items(client, SERVICES)[str(world.c_public.service_id)]["name"] == "Bulk Renamed"


def test_capacity_and_last_modified_are_always_read_fresh(world, client):
    sal = world.b_public
    before = _items(client, SALS)[str(sal.pk)]["service"]
    cap = ServiceCapacity.objects.get(service=sal.service)
    response = client.patch(
        f"/api/v1/service_capacities/{cap.pk}",
        {"available": 0},
        content_type="application/json",
        **world["provider_b"].api_headers(),
    )
    assert response.status_code == 200, response.content
    after = _items(client, SALS)[str(sal.pk)]["service"]
    assert after["capacities"][0]["available"] == 0
    assert after["capacities"][0]["status"] == "full"
    assert after["last_modified"] > before["last_modified"]
    assert _items(client, SERVICES)[str(sal.service_id)]["capacities"][0]["available"] == 0


def test_freshness_moves_with_the_clock_while_the_document_is_cached(world, client):
    service_id = str(world.b_public.service_id)
    assert _items(client, SERVICES)[service_id]["capacities"][0]["status"] == "open"
    # No signal, no invalidation: only the clock moved on (the figure is now a day old).
    ServiceCapacity.objects.filter(service_id=service_id).update(
        updated=timezone.now() - timedelta(days=1)
    )
    capacity = _items(client, SERVICES)[service_id]["capacities"][0]
    assert (capacity["freshness"], capacity["status"]) == ("stale", "unknown")


def test_members_see_their_own_exact_location_and_outsiders_never_do(world, client):
    sal = world.b_confidential
    exact = sal.location
    for round_ in range(2):  # cold, then with the public document cached
        public = _items(client, SALS)[str(sal.pk)]
        assert "addresses" not in public["location"], round_
        assert public["location"].get("latitude") != exact.latitude
        own = _items(client, SALS, world["provider_b"])[str(sal.pk)]
        assert own["location"]["latitude"] == exact.latitude
        assert own["location"]["addresses"][0]["postal_code"] == "60614"
        service = _items(client, SERVICES, world["provider_b"])[str(sal.service_id)]
        assert service["service_at_locations"][0]["location"]["latitude"] == exact.latitude
        # An outsider with an account is served the public document.
        other = _items(client, SERVICES, world["provider_c"])[str(sal.service_id)]
        assert "addresses" not in other["service_at_locations"][0]["location"]


def test_a_member_render_is_never_stored_for_others(world, client):
    sal = world.b_confidential
    _items(client, SALS, world["provider_b"])  # cold, as the member
    public = _items(client, SALS)[str(sal.pk)]
    assert "addresses" not in public["location"]
    assert public["location"].get("latitude") != sal.location.latitude


def test_distance_to_a_confidential_location_is_rounded_for_outsiders_from_the_cache(world, client):
    params = {"latitude": 41.9, "longitude": -87.65, "proximity": 30000}
    for _ in range(2):
        public = _items(client, SALS, **params)[str(world.b_confidential.pk)]
        assert public["distance_km"] % 5 == 0
        own = _items(client, SALS, world["provider_b"], **params)[str(world.b_confidential.pk)]
        assert own["distance_km"] < 5
        assert own["distance_km"] != public["distance_km"]


def test_nothing_rendered_inside_an_open_transaction_is_stored(world, client):
    with transaction.atomic():
        service = world.c_public.service
        service.name = "Not Yet Committed"
        service.save()
        _items(client, SERVICES)
        assert not _cached("service", service.pk)
    _items(client, SERVICES)
    assert _cached("service", service.pk)


def test_an_evicted_generation_starts_above_every_earlier_one(world):
    before = doccache.generation()
    doccache.cache.delete(doccache.GENERATION_KEY)
    assert doccache.generation() > before


@pytest.mark.parametrize("kind", ["service", "service_at_location"])
def test_a_cold_page_leaves_no_cyclic_garbage(world, kind):
    """A cold page's model rows are freed when it is rendered, not by a full collection."""
    from django.contrib.auth.models import AnonymousUser

    from lantern.directory.models import ServiceAtLocation

    model = Service if kind == "service" else ServiceAtLocation
    ids = list(model.objects.values_list("id", flat=True))
    render = {
        "service": doccache.render_services,
        "service_at_location": lambda ids, user: doccache.render_service_at_locations(
            ids, user, {}
        ),
    }[kind]
    render(ids, AnonymousUser())  # imports, lazy settings
    doccache.cache.clear()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds stays in gc.garbage
    try:
        docs = render(ids, AnonymousUser())
        gc.collect()
        rows = [o for o in gc.garbage if isinstance(o, models.Model)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert len(docs) == len(ids) > 1
    # (Django's SQL compiler leaves a three-object closure cycle per query; rows, none.)
    assert rows == []
