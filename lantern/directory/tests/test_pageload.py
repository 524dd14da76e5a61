"""`pageload` gives the page renderers exactly what the prefetching querysets gave them:
the same documents, byte for byte, whoever looks."""

from typing import Any

import orjson
import pytest
from django.db.models import Prefetch
from django.utils import timezone

from lantern.directory import pageload, selectors
from lantern.directory.hsds import Viewer, service_at_location_json, service_json
from lantern.directory.hsds_io import public_viewer, unredacted_viewer
from lantern.directory.models import (
    Address,
    Language,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
    Unit,
)

pytestmark = pytest.mark.django_db


def _reference_service_at_locations() -> Any:
    """How service-at-location pages were loaded before `pageload`: Django's prefetching."""
    location = [
        Prefetch("location__addresses", queryset=Address.objects.order_by("id")),
        "location__languages",
        "location__phones",
        "location__schedules",
    ]
    return ServiceAtLocation.objects.select_related(
        "location", "service", "service__organization"
    ).prefetch_related(
        *location,
        "phones",
        "schedules",
        Prefetch(
            "service__capacities",
            queryset=ServiceCapacity.objects.select_related("unit").order_by("id"),
        ),
        Prefetch("service__service_types", queryset=TaxonomyTerm.objects.only("id", "code")),
        "service__languages",
        "service__phones",
        "service__schedules",
    )


@pytest.fixture
def tangled(demo) -> None:
    """The enriched demo directory, plus rows that hang under two parents at once, a
    location that two services share and a service with capacities in two units."""
    sal = ServiceAtLocation.objects.filter(location__confidential=False).order_by("id").first()
    confidential = ServiceAtLocation.objects.filter(location__confidential=True).first()
    assert sal is not None and confidential is not None
    for pair in (sal, confidential):
        Phone.objects.create(
            service=pair.service,
            location=pair.location,
            service_at_location=pair,
            number="(212) 555-0170",
        )
        Language.objects.create(service=pair.service, location=pair.location, code="fr")
        Schedule.objects.create(location=pair.location, service_at_location=pair, freq="DAILY")
    other = Service.objects.exclude(pk=sal.service_id).order_by("id").first()
    assert other is not None
    ServiceAtLocation.objects.create(service=other, location=sal.location)
    Service.objects.create(organization=other.organization, name="Fictional service, no site")
    for name in ("room", "cot"):
        ServiceCapacity.objects.create(
            service=sal.service, unit=Unit.objects.create(name=name), available=1
        )


def _bytes(docs: dict[Any, dict[str, Any]]) -> bytes:
    return orjson.dumps(docs, option=orjson.OPT_NON_STR_KEYS)


@pytest.mark.parametrize("viewer_factory", [public_viewer, unredacted_viewer])
def test_a_page_of_services_renders_as_the_prefetched_services_did(tangled, viewer_factory):
    now = timezone.now()
    reference = list(selectors.services_full().order_by("id"))
    ids = [s.id for s in reference]
    locations = [sal.location_id for s in reference for sal in s.service_at_locations.all()]

    def render(rows: list[Service]) -> dict[Any, dict[str, Any]]:
        viewer: Viewer = viewer_factory(now)
        viewer.load_attributes(ids + locations)
        return {s.id: service_json(s, viewer) for s in rows}

    loaded = pageload.services(ids)
    assert _bytes(render([loaded[i] for i in ids])) == _bytes(render(reference))


@pytest.mark.parametrize("viewer_factory", [public_viewer, unredacted_viewer])
def test_a_page_of_service_at_locations_renders_as_the_prefetched_ones_did(tangled, viewer_factory):
    now = timezone.now()
    reference = list(_reference_service_at_locations().order_by("id"))
    ids = [sal.id for sal in reference]
    linked = [i for sal in reference for i in (sal.id, sal.location_id, sal.service_id)]

    def render(rows: list[ServiceAtLocation]) -> dict[Any, dict[str, Any]]:
        viewer: Viewer = viewer_factory(now)
        viewer.load_attributes(linked)
        return {sal.id: service_at_location_json(sal, viewer, 1.5) for sal in rows}

    loaded = pageload.service_at_locations(ids)
    assert _bytes(render([loaded[i] for i in ids])) == _bytes(render(reference))


def test_a_row_with_two_parents_is_listed_under_both(tangled):
    phone = Phone.objects.get(number="(212) 555-0170", location__confidential=False)
    sal = pageload.service_at_locations([phone.service_at_location_id])[
        phone.service_at_location_id
    ]
    for parent in (sal, sal.service, sal.location):
        assert phone.pk in [p.pk for p in parent.phones.all()]


def test_an_empty_page_asks_the_database_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert pageload.services([]) == {}
        assert pageload.service_at_locations([]) == {}
