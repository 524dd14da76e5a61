"""Query counts of every directory list: the same for a page of one as for a page of fifty,
cold (documents built from the database) or warm (from the document cache), on both
databases."""

import uuid
from typing import Any

import pytest
from django.core.cache import cache

from lantern.core import geo
from lantern.directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)
from lantern.directory.profile import (
    SERVICE_TYPE_BY_CODE,
    SERVICE_TYPE_TAXONOMY,
)
from lantern.testing import (
    unit,
)

pytestmark = pytest.mark.django_db

# --- query counts -------------------------------------------------------------------------

# Count, page, the rows a cold page renders (`pageload`: one query per table), one for
# generic attributes, plus the token and membership look-ups for a signed-in caller, and the
# live capacities and last_modified read past the document cache. It must not depend on
# the page.
QUERY_BOUND = 20

# An anonymous cold page, query by query (`pageload`): count, page, then services with their
# organizations, service-at-locations with their locations, capacities with their units,
# service types, addresses, languages, phones, schedules, and generic attributes. A page of
# service-at-locations reads them with their location, service and organization at once.
# Warm: count, page, and the live capacities and last_modified.
COLD_PAGE_QUERIES = {"/api/v1/services": 11, "/api/v1/service_at_locations": 10}
WARM_PAGE_QUERIES = 3


def add_crowd(world):
    """60 listings around Chicago in 55 organizations, some confidential (at B), with every
    nested thing present; bulk-created so the fixture costs a dozen queries."""
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Fictional Crowd Org {n:02d}", description="x") for n in range(55)]
    )
    term = TaxonomyTerm.objects.create(name="Imported", description="x")
    bed = unit("bed")
    rows: dict[str, list[Any]] = {key: [] for key in ("service", "location", "sal", "other")}
    for n in range(60):
        confidential = n % 4 == 0
        org = world.hsds_b if confidential else orgs[n % 55]
        service = Service(organization=org, name=f"Fictional Crowd Service {n:02d}")
        lat, lon = 41.80 + n * 0.002, -87.70 + n * 0.002
        coarse = geo.coarse_point(lat, lon)
        location = Location(
            organization=org,
            name=f"Crowd site {n}",
            latitude=lat,
            longitude=lon,
            coarse_latitude=coarse[0],
            coarse_longitude=coarse[1],
            confidential=confidential,
            area="Chicago, IL",
        )
        # Ids in creation order, so that the first page holds a confidential row and the
        # members' look-up (made only when a confidential location is on the page) is in both.
        sal = ServiceAtLocation(id=uuid.UUID(int=n + 1), service=service, location=location)
        rows["service"].append(service)
        rows["location"].append(location)
        rows["sal"].append(sal)
        rows["other"] += [
            Service.service_types.through(
                service_id=service.id, taxonomyterm_id=SERVICE_TYPE_BY_CODE[code].id
            )
            for code in ("emergency-shelter", "legal")
        ]
        rows["other"] += [
            Address(
                location=location,
                address_1=f"{n} Crowd St",
                city="Chicago",
                state_province="IL",
                postal_code="60601",
            ),
            ServiceCapacity(service=service, unit=bed, available=1, maximum=4),
            Language(service=service, code="en", name="English"),
            Language(location=location, code="es", name="Spanish"),
            Phone(service=service, number="(312) 555-0101"),
            Phone(location=location, number="(312) 555-0102"),
            Phone(service_at_location=sal, number="(312) 555-0103"),
            Phone(organization=org, number="(312) 555-0104"),
            Schedule(service=service, freq="WEEKLY", byday="MO"),
            Schedule(location=location, freq="WEEKLY", byday="TU"),
            Schedule(service_at_location=sal, freq="WEEKLY", byday="WE"),
            Attribute(link_id=service.id, link_entity="service", taxonomy_term=term),
            Attribute(link_id=location.id, link_entity="location", taxonomy_term=term),
            Attribute(link_id=org.id, link_entity="organization", taxonomy_term=term),
        ]
    Service.objects.bulk_create(rows["service"])
    Location.objects.bulk_create(rows["location"])
    ServiceAtLocation.objects.bulk_create(rows["sal"])
    by_model: dict[type, list[Any]] = {}
    for row in rows["other"]:
        by_model.setdefault(type(row), []).append(row)
    for model, objects in by_model.items():
        model.objects.bulk_create(objects)
    return world


@pytest.fixture
def crowd(world):
    return add_crowd(world)


IMPORTED_TERM = "imported"  # stands for the crowd's imported term id (known only at run time)
LIST_CASES = [
    ("/api/v1/services", {}),
    ("/api/v1/services", {"search": "crowd"}),
    ("/api/v1/services", {"taxonomy_term_id": str(SERVICE_TYPE_BY_CODE["legal"].id)}),
    ("/api/v1/services", {"taxonomy_term_id": IMPORTED_TERM}),
    ("/api/v1/services", {"taxonomy_id": str(SERVICE_TYPE_TAXONOMY.id)}),
    ("/api/v1/organizations", {}),
    ("/api/v1/organizations", {"search": "crowd"}),
    ("/api/v1/organizations", {"taxonomy_term_id": str(SERVICE_TYPE_BY_CODE["legal"].id)}),
    ("/api/v1/service_at_locations", {}),
    ("/api/v1/service_at_locations", {"search": "crowd"}),
    ("/api/v1/service_at_locations", {"postcode": "60601"}),
    (
        "/api/v1/service_at_locations",
        {"latitude": 41.86, "longitude": -87.64, "proximity": 30000},
    ),
    ("/api/v1/service_at_locations", {"postcode": "60601", "proximity": 30000}),
    ("/api/v1/taxonomies", {}),
    ("/api/v1/taxonomy_terms", {}),
    ("/api/v1/taxonomy_terms", {"taxonomy_id": str(SERVICE_TYPE_TAXONOMY.id)}),
]


def _counts(client, path, params, headers, sizes, django_assert_max_num_queries) -> dict:
    client.get(path, params, **headers)  # the first token use stamps `last_used`
    counts = {}
    for per_page in sizes:
        # Cold: every item rendered from the database; warm: from the document cache.
        for state in ("cold", "warm"):
            if state == "cold":
                cache.clear()
            with django_assert_max_num_queries(QUERY_BOUND) as captured:
                response = client.get(path, {**params, "per_page": per_page}, **headers)
            body = response.json()
            assert response.status_code == 200, body
            assert body["total_items"] > 1, (path, params)
            assert body["size"] == min(per_page, body["total_items"]), body["total_items"]
            counts[state, per_page] = len(captured.captured_queries)
    return counts


@pytest.mark.parametrize("persona", ["anonymous", "provider_b"])
@pytest.mark.parametrize(("path", "params"), LIST_CASES)
def test_list_queries_do_not_grow_with_the_page(
    crowd, client, django_assert_max_num_queries, persona, path, params
):
    if params.get("taxonomy_term_id") == IMPORTED_TERM:
        params = {"taxonomy_term_id": str(TaxonomyTerm.objects.get(name="Imported").pk)}
    headers = crowd[persona].api_headers()
    # A member's own confidential items are rendered for them (a fixed number of queries
    # for however many there are), the others come from the cache: a page that holds both
    # kinds is compared with a larger one. An outsider's pages are all alike.
    small = 1 if persona == "anonymous" else 5
    counts = _counts(client, path, params, headers, (small, 50), django_assert_max_num_queries)
    assert counts["cold", small] == counts["cold", 50], counts
    assert counts["warm", small] == counts["warm", 50], counts
    if persona == "anonymous" and path in ("/api/v1/services", "/api/v1/service_at_locations"):
        # Served from the document cache (a member's own items are rendered for them either
        # way; the other lists are not cached).
        assert counts["warm", 50] < counts["cold", 50], counts


@pytest.mark.parametrize("path", sorted(COLD_PAGE_QUERIES))
def test_a_cold_page_reads_each_table_once(crowd, client, django_assert_num_queries, path):
    cache.clear()
    with django_assert_num_queries(COLD_PAGE_QUERIES[path]):
        assert client.get(path, {"per_page": 50}).status_code == 200
    with django_assert_num_queries(WARM_PAGE_QUERIES):
        assert client.get(path, {"per_page": 50}).status_code == 200


def test_ndjson_queries_grow_by_chunk_not_by_item(crowd, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERY_BOUND) as captured:
        response = client.get("/api/v1/services", {"format": "ndjson"})
        lines = b"".join(response.streaming_content).splitlines()
    assert response.status_code == 200
    assert len(lines) == Service.objects.count() > 60
    assert len(captured.captured_queries) <= QUERY_BOUND


def test_the_provider_capacity_page_queries_do_not_grow_with_its_rows(
    world, django_assert_num_queries, django_assert_max_num_queries
):
    persona = world["provider_b"]
    page = persona.client()
    page.get("/provider/capacity/")  # session and 2FA look-ups settle
    few = ServiceCapacity.objects.filter(service__organization=world.hsds_b).count()
    with django_assert_max_num_queries(QUERY_BOUND) as captured:
        assert page.get("/provider/capacity/").status_code == 200
    before = len(captured.captured_queries)
    add_crowd(world)
    many = ServiceCapacity.objects.filter(service__organization=world.hsds_b).count()
    assert many >= few + 15
    with django_assert_num_queries(before):
        response = page.get("/provider/capacity/")
    assert response.status_code == 200
    assert response.content.count(b"Fictional Crowd Service") == 15


def test_detail_queries_are_bounded(crowd, client, django_assert_max_num_queries):
    sal = ServiceAtLocation.objects.filter(service__organization=crowd.hsds_b).first()
    for path in (
        f"/api/v1/services/{sal.service_id}",
        f"/api/v1/service_at_locations/{sal.pk}",
        f"/api/v1/organizations/{crowd.hsds_b.pk}",  # 30+ locations
    ):
        with django_assert_max_num_queries(QUERY_BOUND):
            assert client.get(path).status_code == 200
