"""HSDS API input errors: 422 naming the field, 404 for unknown or not allowed, 401 for a
bad token."""

import json

import pytest

from lantern.directory.profile import (
    SERVICE_TYPE_BY_CODE,
    SERVICE_TYPE_TAXONOMY,
)
from lantern.directory.tests.api_support import (
    DETAILS,
    LISTS,
    MISSING,
)

pytestmark = pytest.mark.django_db

# --- bad input ----------------------------------------------------------------------------


def _detail_names(response) -> list[str]:
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    return [str(item["loc"][-1]) for item in detail]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bogus": "1"}, "bogus"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "100001"}, "page"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "1.5"}, "per_page"),
        ({"format": "xml"}, "format"),
        ({"search": "x" * 201}, "search"),
        ({"search": "shelter\x00"}, "search"),  # a 500 on PostgreSQL before
    ],
)
def test_bad_paging_and_unknown_parameters_are_422_naming_the_field(
    world, client, path, params, field
):
    assert field in _detail_names(client.get(path, params))


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/services", {"taxonomy_term_id": "nope"}, "taxonomy_term_id"),
        ("/api/v1/services", {"taxonomy_id": "12345"}, "taxonomy_id"),
        ("/api/v1/services", {"organization_id": MISSING[:-1]}, "organization_id"),
        ("/api/v1/services", {"modified_after": "yesterday"}, "modified_after"),
        ("/api/v1/services", {"modified_after": "2024-13-45"}, "modified_after"),
        ("/api/v1/services", {"modified_after": "2024-01-01T25:00"}, "modified_after"),
        # Not seconds since 1970 either: HSDS says a date-time.
        ("/api/v1/services", {"modified_after": "0.5"}, "modified_after"),
        ("/api/v1/services", {"modified_after": "1700000000"}, "modified_after"),
        ("/api/v1/service_at_locations", {"organization_id": "x"}, "organization_id"),
        ("/api/v1/service_at_locations", {"modified_after": "soon"}, "modified_after"),
        ("/api/v1/service_at_locations", {"proximity": "1000"}, "proximity"),
        ("/api/v1/service_at_locations", {"postcode": "60601", "proximity": "0"}, "proximity"),
        ("/api/v1/service_at_locations", {"postcode": "60601", "proximity": "-5"}, "proximity"),
        ("/api/v1/service_at_locations", {"postcode": "60601", "proximity": "far"}, "proximity"),
        ("/api/v1/service_at_locations", {"postcode": "6060"}, "postcode"),
        ("/api/v1/service_at_locations", {"postcode": "00000", "proximity": "10"}, "postcode"),
        ("/api/v1/service_at_locations", {"longitude": "-87", "proximity": "10"}, "latitude"),
        ("/api/v1/service_at_locations", {"latitude": "41", "longitude": "-200"}, "longitude"),
        ("/api/v1/organizations", {"taxonomy_term_id": "x"}, "taxonomy_term_id"),
        ("/api/v1/organizations", {"modified_after": "x"}, "modified_after"),
        ("/api/v1/taxonomy_terms", {"taxonomy_id": "x"}, "taxonomy_id"),
        # A filter an endpoint does not have is as unknown as a typo, not silently ignored.
        ("/api/v1/organizations", {"organization_id": MISSING}, "organization_id"),
        ("/api/v1/taxonomies", {"organization_id": MISSING}, "organization_id"),
        ("/api/v1/taxonomies", {"taxonomy_id": MISSING}, "taxonomy_id"),
        ("/api/v1/taxonomies", {"modified_after": "2024-01-01"}, "modified_after"),
        ("/api/v1/taxonomy_terms", {"organization_id": MISSING}, "organization_id"),
        ("/api/v1/taxonomy_terms", {"taxonomy_term_id": MISSING}, "taxonomy_term_id"),
        ("/api/v1/services", {"postcode": "60601"}, "postcode"),
        ("/api/v1/services", {"proximity": "100"}, "proximity"),
    ],
)
def test_bad_filters_are_422_naming_the_field(world, client, path, params, field):
    assert field in _detail_names(client.get(path, params))


def test_nul_in_a_capacity_description_is_422_not_a_database_error(world, client):
    capacity = world.b_public.service.capacities.get()
    response = client.patch(
        f"/api/v1/service_capacities/{capacity.pk}",
        data=json.dumps({"description": "beds\u0000"}),
        content_type="application/json",
        **world["provider_b"].api_headers(),
    )
    assert "description" in _detail_names(response)


@pytest.mark.parametrize("path", DETAILS)
def test_bad_id_in_the_path_is_422(world, client, path):
    names = _detail_names(client.get(path.format("not-a-uuid")))
    assert names and names[0].endswith("id")


@pytest.mark.parametrize("persona", ["anonymous", "provider_c"])
@pytest.mark.parametrize("path", DETAILS)
def test_unknown_id_is_404_with_the_same_body_as_not_allowed(world, client, path, persona):
    headers = world[persona].api_headers()
    missing = client.get(path.format(MISSING), **headers)
    # An id of another kind of object is just as unknown here.
    other_kind = client.get(path.format(world.b_public.service.capacities.get().pk), **headers)
    # The one place a directory id can be refused is another organization's capacity.
    refused = client.patch(
        f"/api/v1/service_capacities/{world.b_public.service.capacities.get().pk}",
        data=json.dumps({"available": 1}),
        content_type="application/json",
        **world["provider_c"].api_headers(),
    )
    assert missing.status_code == other_kind.status_code == refused.status_code == 404
    assert missing.json() == other_kind.json() == refused.json()


@pytest.mark.parametrize("path", DETAILS)
def test_known_ids_are_found(world, client, path):
    known = {
        "services": world.b_public.service_id,
        "organizations": world.hsds_b.pk,
        "service_at_locations": world.b_public.pk,
        "taxonomies": SERVICE_TYPE_TAXONOMY.id,
        "taxonomy_terms": SERVICE_TYPE_BY_CODE["legal"].id,
    }[path.split("/")[3]]
    response = client.get(path.format(known))
    assert response.status_code == 200
    assert response.json()["id"] == str(known)


def test_a_bad_token_is_401_not_anonymous(world, client):
    for path in LISTS:
        response = client.get(path, HTTP_AUTHORIZATION="Bearer lt_not-a-token")
        assert response.status_code == 401, path
