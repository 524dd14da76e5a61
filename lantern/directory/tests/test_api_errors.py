"""HSDS API input errors: 422 naming the field, 404 for unknown or not allowed, 401 for a
bad token.

Only what the official HSDS 3.1 API document does not allow is an error; what it allows
(page=0, a filter id that is not a UUID, an unknown postcode ...) is answered, and
`test_api_hsds_official.py` says how."""

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
        # HSDS declares page and per_page integers.
        ({"page": "two"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"per_page": "1.5"}, "per_page"),
        ({"per_page": "ten"}, "per_page"),
    ],
)
def test_bad_paging_and_unknown_parameters_are_422_naming_the_field(
    world, client, path, params, field
):
    assert field in _detail_names(client.get(path, params))


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        # HSDS declares modified_after a date-time.
        ("/api/v1/services", {"modified_after": "yesterday"}, "modified_after"),
        ("/api/v1/services", {"modified_after": "2024-13-45"}, "modified_after"),
        ("/api/v1/services", {"modified_after": "2024-01-01T25:00"}, "modified_after"),
        # Not seconds since 1970 either: HSDS says a date-time.
        ("/api/v1/services", {"modified_after": "0.5"}, "modified_after"),
        ("/api/v1/services", {"modified_after": "1700000000"}, "modified_after"),
        ("/api/v1/service_at_locations", {"modified_after": "soon"}, "modified_after"),
        # latitude/longitude are Lantern's own: misuse is an error.
        ("/api/v1/service_at_locations", {"longitude": "-87", "proximity": "10"}, "latitude"),
        ("/api/v1/service_at_locations", {"latitude": "41", "longitude": "-200"}, "longitude"),
        ("/api/v1/service_at_locations", {"latitude": "41", "longitude": "-87"}, "proximity"),
        ("/api/v1/organizations", {"modified_after": "x"}, "modified_after"),
        # Booleans of the HSDS document.
        ("/api/v1/services", {"minimal": "maybe"}, "minimal"),
        ("/api/v1/organizations", {"full_service": "maybe"}, "full_service"),
        ("/api/v1/taxonomy_terms", {"top_only": "maybe"}, "top_only"),
        # A filter an endpoint does not have is as unknown as a typo, not silently ignored.
        ("/api/v1/organizations", {"organization_id": MISSING}, "organization_id"),
        ("/api/v1/taxonomies", {"organization_id": MISSING}, "organization_id"),
        ("/api/v1/taxonomies", {"taxonomy_id": MISSING}, "taxonomy_id"),
        ("/api/v1/taxonomies", {"modified_after": "2024-01-01"}, "modified_after"),
        ("/api/v1/taxonomy_terms", {"organization_id": MISSING}, "organization_id"),
        ("/api/v1/taxonomy_terms", {"taxonomy_term_id": MISSING}, "taxonomy_term_id"),
        ("/api/v1/services", {"postcode": "60601"}, "postcode"),
        ("/api/v1/services", {"proximity": "100"}, "proximity"),
        ("/api/v1/service_at_locations", {"minimal": "true"}, "minimal"),
        ("/api/v1/taxonomies", {"parent_id": MISSING}, "parent_id"),
        ("/api/v1/organizations", {"minimal": "true"}, "minimal"),
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
