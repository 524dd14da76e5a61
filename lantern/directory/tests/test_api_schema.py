"""The API speaks HSDS 3.1: every object validates against the compiled HSDS schemas.

The compiled schemas ship with Lantern (`lantern/directory/hsds_schema/`, so these tests run
on any clone and never skip) and are self-contained (no `$ref` at all); the validators are
still built with a registry that refuses to fetch anything, so a future schema with a remote
reference fails here instead of reaching for the network.
"""

import json
import re
from collections.abc import Iterator
from datetime import date, time, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

from lantern.directory.demo import demo_seed
from lantern.directory.hsds_io import read_schema
from lantern.directory.models import (
    Attribute,
    Language,
    LocationType,
    Phone,
    Schedule,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from lantern.directory.profile import CONFIDENTIAL_TERM, SERVICE_TYPE_TAXONOMY, TAXONOMIES
from lantern.testing import (
    AddressFactory,
    CapacityFactory,
    HsdsOrganizationFactory,
    LocationFactory,
    ServiceFactory,
    unit,
)

pytestmark = pytest.mark.django_db

SCHEMA_NAMES = ("service", "organization", "organization_list", "service_at_location")
HSDS_PATHS = (
    "/services",
    "/services/{id}",
    "/organizations",
    "/organizations/{id}",
    "/service_at_locations",
    "/service_at_locations/{id}",
    "/taxonomies",
    "/taxonomies/{id}",
    "/taxonomy_terms",
    "/taxonomy_terms/{id}",
)
PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}

# --- validators ---------------------------------------------------------------------------


def _refs(node: Any, path: str = "#") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef") and isinstance(value, str):
                yield path, value
            elif key not in ("example", "examples"):
                yield from _refs(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _refs(value, f"{path}/{index}")


def _refuse_remote(uri: str) -> Resource:
    raise NoSuchResource(ref=uri)


def _formats() -> FormatChecker:
    """Stock checks (email, uuid, date ...) plus the two the stock set leaves to optional
    packages: `date-time` (RFC 3339, zone required) and `uri` (absolute)."""
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value):
            return False
        from datetime import datetime

        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None

    @checker.checks("uri", raises=ValueError)
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme) and bool(parts.netloc or parts.path)

    return checker


@cache
def schema(name: str) -> dict[str, Any]:
    return read_schema(name)


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        schema(name), format_checker=_formats(), registry=Registry(retrieve=_refuse_remote)
    )


def sub_validator(name: str, *pointer: str) -> Draft202012Validator:
    node: Any = schema(name)
    for key in pointer:
        node = node[key]
    return Draft202012Validator(
        node, format_checker=_formats(), registry=Registry(retrieve=_refuse_remote)
    )


def assert_valid(name: str | Draft202012Validator, instance: dict[str, Any]) -> None:
    checker = validator(name) if isinstance(name, str) else name
    errors = sorted(checker.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:10]
    )


def test_compiled_schemas_have_no_remote_refs_and_are_valid_json_schema():
    for name in (*SCHEMA_NAMES, "service_list", "service_at_location_list"):
        refs = list(_refs(schema(name)))
        assert not [r for r in refs if not r[1].startswith("#")], name
        assert "$schema" not in schema(name) and "$id" not in schema(name), name
    # Checking the multi-megabyte ones against the metaschema takes seconds; the small list
    # schemas use the same generator and keywords.
    for name in ("organization_list", "service_list", "service_at_location_list"):
        Draft202012Validator.check_schema(schema(name))


def test_the_validators_catch_what_they_should():
    """A guard against a validator that accepts anything (wrong draft, formats off)."""
    good = {"id": "6f1e9c1c-4c1f-4a43-9e25-2c1bb1a0e6a1", "name": "x", "status": "active"}
    assert_valid("service", good)
    for bad in (
        {**good, "status": "open"},
        {**good, "id": "not-a-uuid"},
        {**good, "email": "nope"},
        {**good, "last_modified": "2024-01-01 10:00"},
        {**good, "url": "example.org/no-scheme"},
        {**good, "capacities": [{"id": good["id"], "available": 1}]},
        {key: value for key, value in good.items() if key != "name"},
    ):
        assert list(validator("service").iter_errors(bad)), bad


# --- data ---------------------------------------------------------------------------------


@pytest.fixture
def rich(world):
    """The world plus every optional HSDS field the serializers can emit, imported
    taxonomies and attributes, a virtual location, and empty-but-required texts."""
    org_b = world.hsds_b
    for field, value in {
        "alternate_name": "Shelter B Alt",
        "email": "office@b.example.org",
        "website": "https://b.example.org",
        "tax_status": "501(c)(3)",
        "tax_id": "00-0000000",
        "year_incorporated": 2001,
        "legal_status": "nonprofit",
        "uri": "https://b.example.org/org",
    }.items():
        setattr(org_b, field, value)
    org_b.parent_organization = world.hsds_c
    org_b.save()
    # Imported data may leave required texts empty; they must still be present.
    bare_org = HsdsOrganizationFactory(name="Fictional Bare Org", description="")

    service = world.b_public.service
    for field, value in {
        "alternate_name": "Alt",
        "url": "https://b.example.org/shelter",
        "email": "shelter@b.example.org",
        "interpretation_services": "Phone interpreters",
        "application_process": "Call us",
        "fees_description": "Free",
        "wait_time": "None",
        "eligibility_description": "Adults",
        "minimum_age": 18,
        "maximum_age": 99,
        "assured_date": date(2024, 5, 1),
        "assurer_email": "verifier@example.org",
        "alert": "Closed on holidays",
        "genders_served": ["woman", "nonbinary"],
        "accepts_children": True,
        "max_children": 2,
        "accepts_pets": False,
        "trafficking_types_served": ["labor", "sex"],
        "wheelchair_accessible": True,
        "accepts_active_substance_use": False,
        "requires_id_documents": False,
    }.items():
        setattr(service, field, value)
    service.save()
    CapacityFactory(service=service, unit=unit("room"), maximum=None, description="Family rooms")

    location = world.b_public.location
    location.description = "Entrance on the side"
    location.transportation = "Bus 12"
    location.url = "https://b.example.org/where"
    location.alternate_name = "Main site"
    location.save()
    AddressFactory(
        location=location,
        attention="Front desk",
        address_2="Suite 2",
        region="Cook County",
        postal_code="60601",
        address_type="postal",
    )
    Language.objects.create(location=location, code="es", name="Spanish", note="Weekdays")

    sal = world.b_public
    sal.description = "Walk-ins welcome"
    sal.save()
    for owner in ({"service": service}, {"location": location}, {"service_at_location": sal}):
        phone = Phone.objects.create(number="(312) 555-0142", extension=12, type="voice", **owner)
        Language.objects.create(phone=phone, code="en", name="English")
        Schedule.objects.create(
            freq="WEEKLY",
            wkst="MO",
            byday="MO,TU,WE",
            interval=1,
            valid_from=date(2024, 1, 1),
            dtstart=date(2024, 1, 1),
            opens_at=time(9, 0),
            closes_at=time(17, 30),
            description="Office hours",
            attending_type="in_person",
            **owner,
        )
    Phone.objects.create(organization=org_b, number="(312) 555-0100", type="voice")

    # A virtual location has no point and no address.
    virtual = LocationFactory(
        organization=org_b,
        location_type=LocationType.VIRTUAL,
        latitude=None,
        longitude=None,
        url="https://b.example.org/online",
        area="",
    )
    hotline = ServiceFactory(organization=org_b, types=["hotline"])
    CapacityFactory(service=hotline, unit=unit("line"))
    ServiceAtLocation.objects.create(service=hotline, location=virtual)

    imported = Taxonomy.objects.create(
        name="Fictional Imported Taxonomy", description="", uri="https://tax.example.org"
    )
    term = TaxonomyTerm.objects.create(
        code="IMP-1",
        name="Imported term",
        description="",
        taxonomy_detail=imported,
        term_uri="https://tax.example.org/IMP-1",
        language="en",
    )
    loose = TaxonomyTerm.objects.create(name="Loose term", description="", taxonomy="Free text")
    for link_id, entity in (
        (service.id, "service"),
        (location.id, "location"),
        (sal.id, "service_at_location"),
        (org_b.id, "organization"),
        (bare_org.id, "organization"),
    ):
        Attribute.objects.create(
            link_id=link_id, link_entity=entity, taxonomy_term=term, value="yes", label="Imp"
        )
    Attribute.objects.create(link_id=service.id, link_entity="service", taxonomy_term=loose)
    return world


def _all_pages(client, path, params=None, headers=None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        response = client.get(
            path, {**(params or {}), "page": page, "per_page": 100}, **(headers or {})
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == PAGE_KEYS
        items.extend(body["contents"])
        if body["last_page"]:
            return items
        page += 1


# --- the objects validate -----------------------------------------------------------------

VIEWERS = ["anonymous", "provider_b", "provider_c"]


@pytest.mark.parametrize("persona", VIEWERS)
def test_services_list_items_are_full_hsds_services(rich, client, persona):
    items = _all_pages(client, "/api/v1/services", headers=rich[persona].api_headers())
    assert len(items) == 4
    for item in items:
        assert_valid("service", item)
        assert item["capacities"], item["name"]
        assert item["attributes"], item["name"]
        assert item["organization"]["id"] == item["organization_id"]
        assert "service_at_locations" in item


@pytest.mark.parametrize("persona", VIEWERS)
def test_service_detail_is_a_valid_hsds_service(rich, client, persona):
    for sal in ServiceAtLocation.objects.all():
        response = client.get(f"/api/v1/services/{sal.service_id}", **rich[persona].api_headers())
        assert response.status_code == 200
        assert_valid("service", response.json())


@pytest.mark.parametrize("persona", VIEWERS)
def test_organizations_validate_as_list_items_and_in_detail(rich, client, persona):
    headers = rich[persona].api_headers()
    items = _all_pages(client, "/api/v1/organizations", headers=headers)
    assert len(items) == 3
    for item in items:
        assert_valid("organization_list", item)
        assert_valid("organization", item)
        detail = client.get(f"/api/v1/organizations/{item['id']}", **headers).json()
        assert_valid("organization", detail)
    bare = next(i for i in items if i["name"] == "Fictional Bare Org")
    assert bare["description"] == ""


@pytest.mark.parametrize("persona", VIEWERS)
@pytest.mark.parametrize(
    "params", [{}, {"latitude": 41.88, "longitude": -87.63, "proximity": 50000}]
)
def test_service_at_locations_validate_in_list_and_detail(rich, client, persona, params):
    headers = rich[persona].api_headers()
    items = _all_pages(client, "/api/v1/service_at_locations", params, headers)
    assert len(items) == (4 if not params else 3)  # the virtual one has no point
    for item in items:
        assert_valid("service_at_location", item)
        assert item["service"]["capacities"] and item["service"]["attributes"]
        assert ("distance_km" in item) == bool(params)
        detail = client.get(f"/api/v1/service_at_locations/{item['id']}", **headers).json()
        assert_valid("service_at_location", detail)


def test_taxonomies_and_terms_validate_as_hsds_taxonomy_objects(rich, client):
    # No compiled taxonomy schema ships in the reference; the nested definitions inside
    # service.json are the HSDS ones.
    term_schema = sub_validator(
        "service", "properties", "attributes", "items", "properties", "taxonomy_term"
    )
    taxonomy_schema = sub_validator(
        "service",
        "properties",
        "attributes",
        "items",
        "properties",
        "taxonomy_term",
        "properties",
        "taxonomy_detail",
    )
    taxonomies = _all_pages(client, "/api/v1/taxonomies")
    assert {str(t.id) for t in TAXONOMIES} < {t["id"] for t in taxonomies}
    for item in taxonomies:
        assert_valid(taxonomy_schema, item)
        assert client.get(f"/api/v1/taxonomies/{item['id']}").json() == item
    terms = _all_pages(client, "/api/v1/taxonomy_terms")
    assert len(terms) == TaxonomyTerm.objects.count()
    for item in terms:
        assert_valid(term_schema, item)
        assert client.get(f"/api/v1/taxonomy_terms/{item['id']}").json() == item


def test_generic_attributes_travel_with_their_objects(rich, client):
    service = rich.b_public.service
    body = client.get(f"/api/v1/services/{service.pk}").json()
    imported = [a for a in body["attributes"] if a.get("label") == "Imp"]
    assert len(imported) == 1
    assert imported[0]["taxonomy_term"]["taxonomy_detail"]["name"] == "Fictional Imported Taxonomy"
    location = body["service_at_locations"][0]["location"]
    assert any(a.get("label") == "Imp" for a in location["attributes"])
    sal = client.get(f"/api/v1/service_at_locations/{rich.b_public.pk}").json()
    assert any(a.get("label") == "Imp" for a in sal["attributes"])
    org = client.get(f"/api/v1/organizations/{rich.hsds_b.pk}").json()
    assert any(a.get("label") == "Imp" for a in org["attributes"])


def test_lantern_attributes_describe_types_eligibility_and_confidentiality(rich, client):
    body = client.get(f"/api/v1/services/{rich.b_public.service_id}").json()
    by_code: dict[str, list[str]] = {}
    for attr in body["attributes"]:
        code = attr["taxonomy_term"].get("code", "")
        by_code.setdefault(code, []).append(attr.get("value", ""))
        assert attr["link_id"] == body["id"]
    assert by_code["emergency-shelter"] == ["true"]
    assert by_code["genders-served"] == ["nonbinary", "woman"]
    assert by_code["accepts-children"] == ["true"]
    assert by_code["max-children"] == ["2"]
    assert by_code["accepts-pets"] == ["false"]
    type_attr = next(a for a in body["attributes"] if a["value"] == "true")
    assert type_attr["taxonomy_term"]["taxonomy_id"] == str(SERVICE_TYPE_TAXONOMY.id)
    location = body["service_at_locations"][0]["location"]
    flags = [
        a for a in location["attributes"] if a["taxonomy_term_id"] == str(CONFIDENTIAL_TERM.id)
    ]
    assert [a["value"] for a in flags] == ["false"]


def test_capacities_carry_unit_freshness_and_status(rich, client):
    body = client.get(f"/api/v1/services/{rich.b_public.service_id}").json()
    assert len(body["capacities"]) == 2
    for cap in body["capacities"]:
        assert cap["service_id"] == body["id"]
        assert cap["unit"]["id"] == cap["unit_id"] and cap["unit"]["name"]
        assert cap["freshness"] in ("fresh", "aging", "stale")
        assert cap["status"] in ("open", "full", "unknown")
        assert re.fullmatch(r".+T.+\.\d{3}\+00:00", cap["updated"])


def test_demo_directory_validates_everywhere(client):
    demo_seed(services=40, seed=5)
    for item in _all_pages(client, "/api/v1/services"):
        assert_valid("service", item)
    for item in _all_pages(client, "/api/v1/service_at_locations"):
        assert_valid("service_at_location", item)
    for item in _all_pages(client, "/api/v1/organizations"):
        assert_valid("organization_list", item)
        assert_valid("organization", client.get(f"/api/v1/organizations/{item['id']}").json())


def test_page_envelope_is_the_hsds_page(rich, client):
    openapi = read_schema("openapi")
    page_schema = openapi["components"]["schemas"]["Page"]
    assert set(page_schema["properties"]) | {"contents"} == PAGE_KEYS
    for path in ("/services", "/organizations", "/service_at_locations", "/taxonomies"):
        body = client.get(f"/api/v1{path}", {"per_page": 2}).json()
        assert set(body) == PAGE_KEYS
        Draft202012Validator(page_schema).validate(body)
        assert isinstance(body["contents"], list)


# --- the API's own documents ----------------------------------------------------------------


def test_api_root_names_hsds_version_profile_and_openapi(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"version", "profile", "openapi_url"}
    assert body["version"] == "3.1"
    profile_uri = urlsplit(body["profile"])
    assert profile_uri.scheme == "http" and profile_uri.netloc == "testserver"
    profile = client.get(profile_uri.path).json()
    assert profile["uri"] == body["profile"]
    assert profile["hsds_version"] == "3.1"
    assert {t["id"] for t in profile["taxonomies"]} == {str(t.id) for t in TAXONOMIES}
    assert urlsplit(body["openapi_url"]).path == "/api/v1/openapi.json"


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_openapi_document_is_valid_and_lists_every_hsds_path(client):
    url = urlsplit(client.get("/api/v1/").json()["openapi_url"]).path
    response = client.get(url)
    assert response.status_code == 200
    document = json.loads(response.content)
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    templates: dict[str, str] = {}
    for path, item in document["paths"].items():
        assert path.startswith("/api/v1/"), path
        templates[re.sub(r"\{[^}]+\}", "{id}", path.removeprefix("/api/v1"))] = path
        for method, operation in item.items():
            assert method in methods | {"parameters", "summary", "description"}, method
            if method not in methods:
                continue
            assert operation["responses"], (path, method)
            assert all(re.fullmatch(r"[1-5]\d\d|default", code) for code in operation["responses"])
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"\{([^}]+)\}", path)), path
            for parameter in operation.get("parameters", []):
                assert parameter["in"] in ("query", "header", "path", "cookie")
                assert "schema" in parameter or "content" in parameter
    for hsds_path in HSDS_PATHS:
        assert hsds_path in templates, hsds_path
        operation = document["paths"][templates[hsds_path]]["get"]
        # Every status the endpoint answers is documented.
        expected = {"200", "401", "422"} | ({"404"} if hsds_path.endswith("{id}") else set())
        assert set(operation["responses"]) == expected, hsds_path
        media = set(operation["responses"]["200"]["content"])
        lists = not hsds_path.endswith("{id}")
        assert media == (
            {"application/json", "application/x-ndjson"} if lists else {"application/json"}
        )
        # Public reads: a token is optional (the empty requirement), never required.
        assert {} in operation["security"], hsds_path
    for _, ref in _refs(document):
        _resolve(document, ref)
    for name, component in document.get("components", {}).get("schemas", {}).items():
        assert isinstance(component, dict), name
        Draft202012Validator.check_schema(component)

    def query(path: str) -> set[str]:
        operation = document["paths"][f"/api/v1{path}"]["get"]
        return {p["name"] for p in operation["parameters"] if p["in"] == "query"}

    common = {"search", "page", "per_page", "format"}
    filters = {"taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after"}
    assert common | filters <= query("/services")
    assert common | filters | {"postcode", "proximity", "latitude", "longitude"} <= query(
        "/service_at_locations"
    )
    assert common | {"taxonomy_term_id", "taxonomy_id"} <= query("/organizations")
    assert common <= query("/taxonomies")
    assert common | {"taxonomy_id"} <= query("/taxonomy_terms")


def test_capacity_updated_is_milliseconds_in_utc_even_for_old_rows(rich, client):
    cap = rich.c_public.service.capacities.get()
    cap.updated = timezone.now() - timedelta(days=400, microseconds=123456)
    cap.save()
    body = client.get(f"/api/v1/services/{cap.service_id}").json()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", body["capacities"][0]["updated"]
    )
    assert_valid("service", body)
