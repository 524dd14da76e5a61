"""What the official HSDS 3.1 API document allows is answered, with its meaning.

Each test names one parameter or rule of Open Referral's `openapi.json`, so a regression
names itself. The whole document is also fuzzed against the running app
(`lantern/tests/test_api_fuzz.py::test_official_hsds_document_is_answered_in_full`).
"""

import json
from datetime import timedelta
from functools import cache

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator

from lantern.directory.models import Service, TaxonomyTerm
from lantern.directory.tests.api_support import DETAILS, LISTS, MISSING, get, ids, ndjson_lines
from lantern.directory.tests.hsds_official import official_document
from lantern.directory.tests.hsds_support import enrich_directory

pytestmark = pytest.mark.django_db


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(official_document()["components"]["schemas"][f"hsds_{name}"])


def assert_hsds(name: str, item: dict) -> None:
    errors = sorted(_validator(name).iter_errors(item), key=str)
    assert not errors, [e.message for e in errors[:3]]


@pytest.fixture
def terms(world):
    """An imported taxonomy with a parent term and its child (and attributes)."""
    enrich_directory()
    child = TaxonomyTerm.objects.get(code="accredited-state")
    return child.parent, child


# --- the findings: each has its own test ---------------------------------------------------


def test_full_service_on_organizations_nests_each_organizations_services_in_full(world, client):
    body = get(client, "/api/v1/organizations", {"full_service": "true"})
    by_id = {org["id"]: org for org in body["contents"]}
    services = by_id[str(world.hsds_b.pk)]["services"]
    assert {s["id"] for s in services} == {
        str(world.b_public.service_id),
        str(world.b_confidential.service_id),
    }
    for service in services:
        assert "capacities" in service and "service_at_locations" in service
        assert_hsds("service", service)
    # Without it, the list stays the HSDS organization_list shape: no services.
    plain = get(client, "/api/v1/organizations")
    assert all("services" not in org for org in plain["contents"])


def test_full_service_on_an_organization_nests_full_services_else_their_own_fields(world, client):
    path = f"/api/v1/organizations/{world.hsds_b.pk}"
    brief = get(client, path)
    assert {s["id"] for s in brief["services"]} == {
        str(world.b_public.service_id),
        str(world.b_confidential.service_id),
    }
    assert all("capacities" not in s and s["name"] for s in brief["services"])
    full = get(client, path, {"full_service": "true"})
    assert all("capacities" in s for s in full["services"])
    assert_hsds("organization", brief)
    assert_hsds("organization", full)


def test_full_on_organizations_nests_locations_and_services(world, client):
    body = get(client, "/api/v1/organizations", {"full": "true"})
    org_b = next(o for o in body["contents"] if o["id"] == str(world.hsds_b.pk))
    assert len(org_b["locations"]) == 2 and len(org_b["services"]) == 2
    # The confidential location stays redacted for an outsider.
    hidden = next(
        loc for loc in org_b["locations"] if loc["id"] == str(world.b_confidential.location_id)
    )
    assert "latitude" not in hidden and "addresses" not in hidden
    assert_hsds("organization", org_b)


def test_parent_id_on_taxonomy_terms_lists_the_children_of_that_term(terms, client):
    parent, child = terms
    body = get(client, "/api/v1/taxonomy_terms", {"parent_id": str(parent.pk)})
    assert ids(body) == {str(child.pk)}
    assert get(client, "/api/v1/taxonomy_terms", {"parent_id": MISSING})["total_items"] == 0


def test_top_only_on_taxonomy_terms_lists_terms_without_a_parent(terms, client):
    parent, child = terms
    top = ids(get(client, "/api/v1/taxonomy_terms", {"top_only": "true", "per_page": 100}))
    everything = ids(get(client, "/api/v1/taxonomy_terms", {"per_page": 100}))
    assert str(parent.pk) in top and str(child.pk) not in top
    assert str(child.pk) in everything
    assert ids(get(client, "/api/v1/taxonomy_terms", {"top_only": "false", "per_page": 100})) == (
        everything
    )


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "0", MISSING[:-1], "%20"])
@pytest.mark.parametrize("path", DETAILS)
def test_non_uuid_id_is_404_on_each_detail_endpoint(world, client, path, bad_id):
    missing = client.get(path.format(MISSING))
    response = client.get(path.format(bad_id))
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json() == {"detail": [{"loc": ["path"], "msg": "Not found."}]}


@pytest.mark.parametrize(
    "path", ["/api/v1/services", "/api/v1/service_at_locations", "/api/v1/organizations"]
)
def test_empty_modified_after_is_absent(world, client, path):
    everything = get(client, path)
    assert everything["total_items"] > 0
    assert get(client, path, {"modified_after": ""}) == everything
    assert get(client, path, {"modified_after": "  "}) == everything
    # A real bound still filters.
    later = (timezone.now() + timedelta(days=1)).isoformat()
    assert get(client, path, {"modified_after": later})["total_items"] == 0


@pytest.mark.parametrize("page", ["0", "-3"])
@pytest.mark.parametrize("path", LISTS)
def test_page_zero_or_below_is_clamped_to_page_one(world, client, path, page):
    first = get(client, path, {"page": "1", "per_page": "1"})
    clamped = get(client, path, {"page": page, "per_page": "1"})
    assert clamped == first
    assert clamped["page_number"] == 1 and clamped["first_page"] is True


# --- the rest of the document --------------------------------------------------------------


def test_page_beyond_the_bound_is_clamped_to_the_last_page_allowed(world, client):
    body = get(client, "/api/v1/services", {"page": str(10**12)})
    assert body["page_number"] == 100_000 and body["empty"] is True


@pytest.mark.parametrize(("asked", "served"), [("0", 1), ("-5", 1), ("1000", 100), ("", 20)])
def test_per_page_is_clamped_to_the_allowed_range(world, client, asked, served):
    for n in range(25):
        Service.objects.create(organization=world.hsds_c, name=f"Fictional Extra {n:02}")
    body = get(client, "/api/v1/services", {"per_page": asked})
    assert body["size"] == min(served, body["total_items"])
    assert body["total_pages"] == -(-body["total_items"] // served)


@pytest.mark.parametrize("path", LISTS)
def test_every_standard_parameter_may_be_sent_empty(world, client, path):
    document = official_document()
    operation = document["paths"][path.removeprefix("/api/v1")]["get"]
    names = {
        (p if "name" in p else document["components"]["parameters"][p["$ref"].split("/")[-1]])[
            "name"
        ]
        for p in operation["parameters"]
    }
    assert names >= {"page", "per_page", "format", "search"}
    assert get(client, path, dict.fromkeys(names, "")) == get(client, path)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/services", "taxonomy_term_id"),
        ("/api/v1/services", "taxonomy_id"),
        ("/api/v1/services", "organization_id"),
        ("/api/v1/service_at_locations", "organization_id"),
        ("/api/v1/service_at_locations", "taxonomy_term_id"),
        ("/api/v1/organizations", "taxonomy_id"),
        ("/api/v1/taxonomy_terms", "taxonomy_id"),
        ("/api/v1/taxonomy_terms", "parent_id"),
    ],
)
@pytest.mark.parametrize("value", ["nope", "12345", MISSING[:-1]])
def test_an_id_filter_that_is_not_a_uuid_matches_nothing(world, client, path, name, value):
    assert get(client, path)["total_items"] > 0
    body = get(client, path, {name: value})
    assert body["total_items"] == 0 and body["empty"] is True


@pytest.mark.parametrize("path", LISTS)
def test_a_search_with_a_nul_character_matches_nothing(world, client, path):
    # PostgreSQL text cannot hold NUL: no stored name has one (and the query never runs).
    body = get(client, path, {"search": "Fictional\x00"})
    assert body["total_items"] == 0


def test_a_long_search_is_answered(world, client):
    assert get(client, "/api/v1/services", {"search": "x" * 500})["total_items"] == 0


def test_minimal_services_are_id_name_status_and_modified_date(world, client):
    body = get(client, "/api/v1/services", {"minimal": "true"})
    service = world.b_public.service
    service.refresh_from_db()
    item = next(s for s in body["contents"] if s["id"] == str(service.pk))
    assert set(item) == {"id", "name", "status", "last_modified", "modified_date"}
    assert item["modified_date"] == item["last_modified"]
    assert item["name"] == service.name
    for item in body["contents"]:
        assert_hsds("service_list", item)
    # Meant to fetch them all in one call: the page holds up to 10,000.
    assert body["total_pages"] == 1 and body["size"] == body["total_items"] == 3
    listed = ndjson_lines(client.get("/api/v1/services", {"minimal": "true", "format": "ndjson"}))
    assert listed == body["contents"]


def test_full_false_services_have_only_one_to_one_fields(world, client):
    body = get(client, "/api/v1/services", {"full": "false"})
    assert body["total_items"] == 3
    for item in body["contents"]:
        assert not {"capacities", "service_at_locations", "phones", "attributes"} & set(item)
        assert item["organization"]["name"]
        assert_hsds("service_list", item)
    nested = get(client, "/api/v1/services", {"full": "true"})
    assert nested == get(client, "/api/v1/services")
    assert all("capacities" in item for item in nested["contents"])


def test_full_false_service_at_locations_have_only_one_to_one_fields(world, client):
    body = get(client, "/api/v1/service_at_locations", {"full": "false"})
    assert {item["id"] for item in body["contents"]} == {
        str(world.b_public.pk),
        str(world.b_confidential.pk),
        str(world.c_public.pk),
    }
    for item in body["contents"]:
        assert set(item) <= {"id", "service_id", "location_id", "description"}
        assert_hsds("service_at_location_list", item)
    near = get(
        client,
        "/api/v1/service_at_locations",
        {"full": "false", "postcode": "60608", "proximity": "50000"},
    )
    assert all("distance_km" in item for item in near["contents"]) and near["contents"]


def test_postcode_with_proximity_in_meters_finds_what_is_near(world, client):
    near = get(client, "/api/v1/service_at_locations", {"postcode": "60608", "proximity": "3000"})
    assert str(world.c_public.pk) in ids(near)
    assert near["total_items"] < 3


@pytest.mark.parametrize(
    "params",
    [
        {"postcode": "00000", "proximity": "5000"},  # a ZIP code that does not exist
        {"postcode": "SW1A 1AA", "proximity": "5000"},  # not one Lantern can place
        {"postcode": "60608", "proximity": "0"},
        {"postcode": "60608", "proximity": "-5"},
        {"postcode": "60608", "proximity": "far"},
        {"postcode": "60608", "proximity": "nan"},
        {"postcode": "6060"},  # matched exactly against addresses: none has it
        {"postcode": "60608\x00"},
    ],
)
def test_a_place_or_radius_that_names_nothing_matches_nothing(world, client, params):
    body = get(client, "/api/v1/service_at_locations", params)
    assert body["total_items"] == 0


def test_proximity_without_a_place_is_not_applied(world, client):
    assert get(client, "/api/v1/service_at_locations", {"proximity": "1000"}) == get(
        client, "/api/v1/service_at_locations"
    )


def test_a_huge_proximity_is_capped_not_refused(world, client):
    body = get(client, "/api/v1/service_at_locations", {"postcode": "60608", "proximity": "1e12"})
    assert body["total_items"] == 3


@pytest.mark.parametrize("value", ["xml", "csv", "JSON"])
def test_a_format_other_than_ndjson_answers_json(world, client, value):
    response = client.get("/api/v1/services", {"format": value})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == get(client, "/api/v1/services")
    assert ndjson_lines(client.get("/api/v1/services", {"format": "NDJSON"}))


@pytest.mark.parametrize("path", LISTS)
def test_post_lists_answer_as_get(world, client, path):
    params = "?page=1&per_page=2&search=Fictional"
    posted = client.post(path + params)
    assert posted.status_code == 200, posted.content
    assert posted.json() == client.get(path + params).json()
    member = client.post(path, **world["provider_b"].api_headers())
    assert member.status_code == 200


def test_post_lists_take_no_body(world, client):
    response = client.post(
        "/api/v1/services", data=json.dumps({"search": "x"}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_post_lists_refuse_unknown_parameters_like_get(world, client):
    response = client.post("/api/v1/services?bogus=1")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "bogus"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("", "application/json"), ("{}", "application/json"), ("", "text/plain")],
)
def test_post_lists_take_an_empty_body(world, client, body, content_type):
    response = client.post("/api/v1/taxonomies", data=body, content_type=content_type)
    assert response.status_code == 200, response.content


def test_post_lists_refuse_a_form_with_fields(world, client):
    response = client.post("/api/v1/taxonomies", {"search": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]
