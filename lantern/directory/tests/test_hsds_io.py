"""`lantern hsds export` and `lantern hsds import`: schema validity, redaction, round trip."""

import copy
import csv
import json
import stat
from datetime import date, time, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from jsonschema import Draft202012Validator

from lantern.audit.models import AuditEvent
from lantern.directory.demo import demo_seed
from lantern.directory.hsds import Viewer, organization_json, service_json, taxonomy_term_json
from lantern.directory.hsds_io import (
    TABLES,
    hsds_export,
    hsds_import,
    hsds_schemas,
    public_viewer,
    services_for_export,
    unredacted_viewer,
)
from lantern.directory.models import (
    Address,
    Attribute,
    CapacityReminder,
    Language,
    Location,
    Metadata,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from lantern.directory.profile import (
    CONFIDENTIAL_TERM,
    ELIGIBILITY_TERMS,
    SERVICE_TYPE_BY_CODE,
)

pytestmark = pytest.mark.django_db

DIRECTORY_MODELS = (
    Attribute,
    Metadata,
    CapacityReminder,
    ServiceCapacity,
    Language,
    Phone,
    Schedule,
    Address,
    ServiceAtLocation,
    Service,
    Location,
    Organization,
    Unit,
    TaxonomyTerm,
    Taxonomy,
)


# --- helpers -------------------------------------------------------------------------------


def export(directory: Path, *flags: str) -> str:
    out = StringIO()
    call_command("hsds", "export", str(directory), *flags, stdout=out)
    return out.getvalue()


def import_(path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("hsds", "import", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failed_import(path: Path) -> str:
    """Run an import that must fail; return what it reported."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("hsds", "import", str(path), stdout=out, stderr=err)
    return err.getvalue()


def every_file_text(directory: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(directory.rglob("*.*")))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in DIRECTORY_MODELS}
    counts["service_types"] = Service.service_types.through.objects.count()
    return counts


def last_modified_stamps() -> dict[str, Any]:
    return {
        str(pk): stamp
        for model in (Organization, Service, Location, ServiceAtLocation)
        for pk, stamp in model.objects.values_list("pk", "last_modified")
    }


def flush_directory() -> None:
    """Empty every directory table, Lantern's own taxonomies included."""
    for model in DIRECTORY_MODELS:
        model.objects.all().delete()
    assert not any(row_counts().values())


def enrich_directory() -> None:
    """Add what the demo seed leaves out, so every HSDS table has rows (all synthetic)."""
    taxonomy = Taxonomy.objects.create(
        name="Fictional accreditation",
        description="A synthetic taxonomy for tests.",
        uri="https://taxonomy.example.org/accreditation",
        version="2",
    )
    parent = TaxonomyTerm.objects.create(
        code="accredited",
        name="Accredited",
        description="Accredited by a fictional body.",
        taxonomy_detail=taxonomy,
    )
    term = TaxonomyTerm.objects.create(
        code="accredited-state",
        name="State accredited",
        description="Accredited by a fictional state body.",
        taxonomy_detail=taxonomy,
        parent=parent,
        language="en",
    )
    services = list(Service.objects.order_by("id")[:4])
    for service in services:
        Attribute.objects.create(
            link_id=service.id,
            link_type="accreditation",
            link_entity="service",
            taxonomy_term=term,
            value="2025",
            label="Accredited since",
        )
    Schedule.objects.create(
        service=services[0],
        freq="WEEKLY",
        byday="SA",
        opens_at=time(10),
        closes_at=time(14),
        valid_from=date(2025, 1, 1),
        description="Saturdays",
    )
    services[1].alternate_name = "Fictional alias"
    services[1].fees_description = "Free"
    services[1].save()
    sal = ServiceAtLocation.objects.filter(location__confidential=False).order_by("id").first()
    assert sal is not None
    sal.description = "Walk-ins welcome"
    sal.save()
    Phone.objects.create(service_at_location=sal, number="(212) 555-0150", type="text")
    Schedule.objects.create(
        service_at_location=sal,
        freq="WEEKLY",
        byday="MO,TU,WE",
        opens_at=time(9),
        closes_at=time(17),
        description="Weekdays",
    )
    Attribute.objects.create(
        link_id=sal.id, link_entity="service_at_location", taxonomy_term=parent, value="yes"
    )
    location = sal.location
    location.transportation = "Bus 12 to the door"
    location.save()
    Phone.objects.create(location=location, number="(212) 555-0151", extension=12, type="voice")
    Schedule.objects.create(location=location, freq="WEEKLY", byday="FR", opens_at=time(8))
    Language.objects.create(location=location, code="es", name="Spanish", note="Front desk")
    Attribute.objects.create(
        link_id=location.id, link_entity="location", taxonomy_term=parent, value="yes"
    )
    first, second = Organization.objects.order_by("id")[:2]
    second.parent_organization = first
    second.tax_status = "501(c)(3)"
    second.year_incorporated = 2009
    second.save()
    Attribute.objects.create(
        link_id=first.id, link_entity="organization", taxonomy_term=term, value="2019"
    )
    Unit.objects.filter(name="bed").update(identifier="bed-1", uri="https://units.example.org/bed")


def rendered_services(viewer_factory: Any, now: Any) -> dict[str, dict[str, Any]]:
    """Every service as `service_json` renders it, keyed by id."""
    services = list(services_for_export())
    viewer = viewer_factory(now)
    sals = [sal for s in services for sal in s.service_at_locations.all()]
    viewer.load_attributes([s.id for s in services] + [sal.location_id for sal in sals])
    return {str(s.id): service_json(s, viewer) for s in services}


def rendered_organizations(now: Any) -> dict[str, dict[str, Any]]:
    viewer = unredacted_viewer(now)
    orgs = list(Organization.objects.prefetch_related("phones", "locations").order_by("id"))
    viewer.load_attributes(
        [o.id for o in orgs] + [loc.id for o in orgs for loc in o.locations.all()]
    )
    return {str(o.id): organization_json(o, viewer, full=True) for o in orgs}


def api_services(client: Any) -> list[dict[str, Any]]:
    body = client.get("/api/v1/services", {"per_page": 100}).json()
    assert body["total_pages"] == 1
    return body["contents"]


def without_clock(services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Capacity `freshness` and `status` are computed from the clock at request time."""
    out = copy.deepcopy(services)
    for service in out:
        for capacity in service["capacities"]:
            capacity.pop("freshness")
            capacity.pop("status")
    return out


@pytest.fixture
def demo() -> None:
    demo_seed(services=40, seed=3)
    enrich_directory()


@pytest.fixture
def world_export(world, tmp_path) -> dict[str, Any]:
    """The world exported in full: the services as JSON, keyed by service id."""
    export(tmp_path / "full", "--include-confidential")
    services = read_json(tmp_path / "full" / "json" / "services.json")
    return {s["id"]: s for s in services}


def _attribute_index(service: dict[str, Any], term_id: Any) -> int:
    return next(
        i for i, a in enumerate(service["attributes"]) if a["taxonomy_term_id"] == str(term_id)
    )


# --- export --------------------------------------------------------------------------------


def test_export_writes_json_that_validates_against_the_compiled_hsds_schemas(demo, tmp_path):
    schemas = hsds_schemas()
    checker = Draft202012Validator.FORMAT_CHECKER
    validators = {
        name: Draft202012Validator(schemas[kind], format_checker=checker)
        for name, kind in (
            ("services.json", "service"),
            ("organizations.json", "organization"),
            ("taxonomies.json", "taxonomy"),
            ("taxonomy_terms.json", "taxonomy_term"),
        )
    }
    for flags in ((), ("--include-confidential",)):
        directory = tmp_path / ("full" if flags else "public")
        export(directory, *flags)
        for name, validator in validators.items():
            items = read_json(directory / "json" / name)
            assert items, name
            for item in items:
                errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(item)]
                assert not errors, (name, item["id"], errors)
        services = read_json(directory / "json" / "services.json")
        assert len(services) == Service.objects.count() == 40
        assert len(read_json(directory / "json" / "organizations.json")) == (
            Organization.objects.count()
        )
        # Each service nests everything the API shows for it, and what its locations carry.
        sal_phones = [
            p for s in services for sal in s["service_at_locations"] for p in sal["phones"]
        ]
        assert [p["number"] for p in sal_phones] == ["(212) 555-0150"]
        assert all("location" in sal for s in services for sal in s["service_at_locations"])


def test_the_compiled_schema_has_no_remote_references():
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    schemas = hsds_schemas()
    assert not [r for schema in schemas.values() for r in refs(schema)]
    assert all("$schema" not in schema for schema in schemas.values())


def _hsds_tables() -> dict[str, dict[str, Any]]:
    """Every table the compiled schemas describe: name -> its JSON schema object."""
    tables: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            path = node.get("path")
            if node.get("type") == "object" and isinstance(path, str) and path.endswith(".csv"):
                tables.setdefault(node["name"], node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for schema in hsds_schemas().values():
        walk(schema)
    return tables


def test_tabular_tables_use_hsds_file_names_column_names_order_and_types():
    hsds = _hsds_tables()
    for table in TABLES:
        schema = hsds[table.name]
        assert table.path == schema["path"], table.name
        columns = [
            name
            for name, prop in schema["properties"].items()
            if prop.get("type") not in ("array", "object")
        ]
        assert table.columns == [c for c in columns if c in table.columns], table.name
        assert set(table.columns) <= set(columns), table.name
        for descriptor in table.fields():
            prop = schema["properties"][descriptor["name"]]
            # HSDS gives `service_capacity.updated` no datapackage_type; date-time is datetime.
            kind = "datetime" if prop.get("format") == "date-time" else prop["type"]
            assert descriptor["type"] == prop.get("datapackage_type", kind), descriptor
            expected_format = prop.get("format") if prop.get("format") != "date-time" else None
            assert descriptor.get("format") == expected_format, descriptor


def test_csv_package_has_a_datapackage_whose_resources_match_the_files_and_headers(demo, tmp_path):
    export(tmp_path)
    package = read_json(tmp_path / "datapackage.json")
    assert package["profile"] == "tabular-data-package"
    assert package["lantern"]["confidential_locations"] == "redacted"
    resources = package["resources"]
    names = {r["name"] for r in resources}
    assert names == {
        "organization",
        "service",
        "location",
        "address",
        "service_at_location",
        "service_capacity",
        "unit",
        "language",
        "phone",
        "schedule",
        "taxonomy",
        "taxonomy_term",
        "attribute",
    }
    assert {r["path"] for r in resources} == {p.name for p in tmp_path.glob("*.csv")}
    rows: dict[str, list[dict[str, str]]] = {}
    for resource in resources:
        assert resource["profile"] == "tabular-data-resource"
        assert resource["schema"]["primaryKey"] == ["id"]
        header, rows[resource["name"]] = read_csv(tmp_path / resource["path"])
        assert header == [f["name"] for f in resource["schema"]["fields"]], resource["name"]
        ids = [row["id"] for row in rows[resource["name"]]]
        assert len(ids) == len(set(ids)), f"duplicate ids in {resource['path']}"
    assert len(rows["service"]) == Service.objects.count()
    assert len(rows["organization"]) == Organization.objects.count()
    assert len(rows["location"]) == Location.objects.count()
    assert len(rows["service_at_location"]) == ServiceAtLocation.objects.count()
    assert len(rows["service_capacity"]) == ServiceCapacity.objects.count()
    assert len(rows["taxonomy_term"]) == TaxonomyTerm.objects.count()
    assert {r["id"] for r in rows["unit"]} == {r["unit_id"] for r in rows["service_capacity"]}
    # Lantern profile attributes travel in attributes.csv, with their taxonomy terms listed.
    term_ids = {r["id"] for r in rows["taxonomy_term"]}
    attribute_terms = {r["taxonomy_term_id"] for r in rows["attribute"]}
    assert str(SERVICE_TYPE_BY_CODE["emergency-shelter"].id) in attribute_terms
    assert str(CONFIDENTIAL_TERM.id) in attribute_terms
    assert attribute_terms <= term_ids
    shelter = next(r for r in rows["service_capacity"] if r["available"])
    assert int(shelter["available"]) <= int(shelter["maximum"])


def test_export_without_the_flag_redacts_confidential_locations_everywhere(world, tmp_path):
    location = world.b_confidential.location
    address = location.addresses.get()
    location.transportation = "Blue line to Fullerton"
    location.save()
    Phone.objects.create(location=location, number="(312) 555-0142")
    Schedule.objects.create(location=location, description="Curfew 22:00", freq="WEEKLY")
    export(tmp_path)

    text = every_file_text(tmp_path)
    for secret in (
        "41.9123",
        "-87.6543",
        address.address_1,
        "60614",
        "Blue line to Fullerton",
        "(312) 555-0142",
        "Curfew",
        str(address.id),
    ):
        assert secret not in text, secret
    # The location itself is there, as an outsider sees it: the coarse area only.
    _, locations = read_csv(tmp_path / "locations.csv")
    row = next(r for r in locations if r["id"] == str(location.id))
    assert row["latitude"] == row["longitude"] == row["transportation"] == ""
    services = read_json(tmp_path / "json" / "services.json")
    nested = next(
        sal["location"]
        for s in services
        for sal in s["service_at_locations"]
        if sal["location_id"] == str(location.id)
    )
    assert "addresses" not in nested and "latitude" not in nested
    assert {a["value"] for a in nested["attributes"]} >= {"true", "Chicago, IL"}
    # Public locations are exported in full.
    public = world.b_public.location
    assert str(public.addresses.get().address_1) in text


def test_export_without_the_flag_leaks_no_demo_safe_house(demo, tmp_path):
    export(tmp_path)
    text = every_file_text(tmp_path)
    public_postcodes = set(
        Address.objects.filter(location__confidential=False).values_list("postal_code", flat=True)
    )
    confidential = Location.objects.filter(confidential=True).prefetch_related("addresses")
    assert confidential.count() >= 3
    for location in confidential:
        assert repr(location.latitude) not in text
        assert repr(location.longitude) not in text
        for address in location.addresses.all():
            assert address.address_1 not in text
            if address.postal_code not in public_postcodes:
                assert address.postal_code not in text


def test_export_with_the_flag_includes_confidential_locations_in_full(world, tmp_path):
    location = world.b_confidential.location
    address = location.addresses.get()
    output = export(tmp_path, "--include-confidential")

    assert "exact addresses of confidential locations" in output
    text = every_file_text(tmp_path)
    for value in ("41.9123", "-87.6543", address.address_1, "60614"):
        assert value in text, value
    _, addresses = read_csv(tmp_path / "addresses.csv")
    assert str(address.id) in {row["id"] for row in addresses}
    assert read_json(tmp_path / "datapackage.json")["lantern"]["confidential_locations"] == (
        "included"
    )
    # Safe-house addresses: readable by the owner only.
    for path in tmp_path.rglob("*.*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_export_leaves_one_audit_event_with_counts(world, tmp_path):
    export(tmp_path, "--include-confidential")
    event = AuditEvent.objects.get(action="hsds.export")
    assert event.actor is None and event.actor_label == "system:export"
    assert event.detail["include_confidential"] is True
    assert event.detail["items"]["services.json"] == 3


def test_export_reads_in_chunks_and_the_chunk_size_does_not_change_the_output(
    demo, tmp_path, django_assert_max_num_queries
):
    hsds_export(directory=tmp_path / "big", chunk_size=1000)
    # 40 services in chunks of 8: a fixed number of queries per chunk, never one per row.
    with django_assert_max_num_queries(160):
        hsds_export(directory=tmp_path / "small", chunk_size=8)
    for path in (tmp_path / "big").rglob("*.*"):
        if path.name == "datapackage.json":
            continue
        other = tmp_path / "small" / path.relative_to(tmp_path / "big")
        assert path.read_text(encoding="utf-8") == other.read_text(encoding="utf-8"), path.name


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_export_outside_a_transaction_reads_one_snapshot(tmp_path):
    demo_seed(services=6, seed=2)
    export(tmp_path, "--include-confidential")
    services = read_json(tmp_path / "json" / "services.json")
    _, locations = read_csv(tmp_path / "locations.csv")
    assert len(services) == 6
    nested = {sal["location_id"] for s in services for sal in s["service_at_locations"]}
    assert nested <= {row["id"] for row in locations}


def test_export_to_a_path_that_is_a_file_fails_clearly(tmp_path):
    target = tmp_path / "taken"
    target.write_text("", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot write the export"):
        export(target)


# --- import --------------------------------------------------------------------------------


def test_import_round_trip_reproduces_every_service(demo, tmp_path, client):
    now = timezone.now()
    before = rendered_services(unredacted_viewer, now)
    before_public = rendered_services(public_viewer, now)
    before_orgs = rendered_organizations(now)
    before_terms = [taxonomy_term_json(t) for t in TaxonomyTerm.objects.order_by("id")]
    before_api = api_services(client)
    before_coarse = (
        dict(Location.objects.values_list("id", "coarse_latitude").order_by("id")),
        dict(Location.objects.values_list("id", "coarse_longitude").order_by("id")),
    )
    counts = row_counts()

    export(tmp_path, "--include-confidential")
    flush_directory()
    output, _ = import_(tmp_path)

    assert "service 40 (40 new)" in output
    assert row_counts() == {**counts, "Metadata": 0, "CapacityReminder": 0}
    assert rendered_services(unredacted_viewer, now) == before
    assert rendered_services(public_viewer, now) == before_public
    assert rendered_organizations(now) == before_orgs
    assert [taxonomy_term_json(t) for t in TaxonomyTerm.objects.order_by("id")] == before_terms
    assert without_clock(api_services(client)) == without_clock(before_api)
    # The coarse points outsiders' distance filters use are derived again on import.
    assert (
        dict(Location.objects.values_list("id", "coarse_latitude").order_by("id")),
        dict(Location.objects.values_list("id", "coarse_longitude").order_by("id")),
    ) == before_coarse


def test_import_is_idempotent(demo, tmp_path):
    export(tmp_path, "--include-confidential")
    flush_directory()
    first = hsds_import(path=tmp_path)
    counts = row_counts()
    stamps = last_modified_stamps()
    second = hsds_import(path=tmp_path)

    assert first.ok and second.ok
    assert row_counts() == counts
    # Nothing changed, so nothing looks modified to `modified_after` readers either.
    assert last_modified_stamps() == stamps
    assert second.counts == first.counts
    assert first.created["service"] == 40
    assert not any(second.created.values())
    # Importing into the directory it came from changes nothing either.
    output, _ = import_(tmp_path)
    assert row_counts() == counts
    assert "service 40 (0 new)" in output


def test_import_accepts_one_file_of_services_or_a_single_service(world_export, tmp_path):
    services = list(world_export.values())
    flush_directory()
    import_(write_json(tmp_path / "one.json", services[0]))
    assert [str(pk) for pk in Service.objects.values_list("id", flat=True)] == [services[0]["id"]]
    import_(write_json(tmp_path / "all.json", services))
    assert Service.objects.count() == 3
    # Lantern's own taxonomy terms are restored from the profile when they are missing.
    assert Service.objects.get(pk=services[0]["id"]).service_types.count() == 1


def test_import_with_one_bad_record_among_good_ones_writes_nothing_and_names_it(
    world_export, tmp_path
):
    services = list(world_export.values())
    bad = services[1]
    capacity = bad["capacities"][0]
    capacity["available"] = capacity["maximum"] + 5
    flush_directory()
    events = AuditEvent.objects.count()

    report = failed_import(write_json(tmp_path / "services.json", services))

    assert not any(row_counts().values())
    assert AuditEvent.objects.count() == events
    assert report.strip().splitlines() == [
        f"services.json[1] (id {bad['id']}): capacities/0/available: "
        f"{capacity['available']} is more than maximum {capacity['maximum']}"
    ]


def test_import_reports_every_invalid_record_schema_and_lantern_checks_alike(
    world_export, tmp_path
):
    services = sorted(world_export.values(), key=lambda s: s["name"])
    services[0]["status"] = "open"
    services[2]["minimum_age"], services[2]["maximum_age"] = 30, 20
    report = failed_import(write_json(tmp_path / "services.json", services))
    assert report.strip().splitlines() == [
        f"services.json[0] (id {services[0]['id']}): status: 'open' is not one of "
        "['active', 'inactive', 'defunct', 'temporarily closed']",
        f"services.json[2] (id {services[2]['id']}): minimum_age: 30 is more than maximum_age 20",
    ]


MUTATIONS = [
    ("min age above max age", lambda s: s.update(minimum_age=30, maximum_age=20), "minimum_age"),
    ("fractional age", lambda s: s.update(minimum_age=17.5), "minimum_age"),
    ("missing name", lambda s: s.pop("name"), "name"),
    ("bad email", lambda s: s.update(email="not-an-email"), "email"),
    ("bad url", lambda s: s.update(url="not a url"), "url"),
    ("name too long", lambda s: s.update(name="x" * 300), "name"),
    (
        "capacity without time zone",
        lambda s: s["capacities"][0].update(updated="2025-01-01T10:00:00"),
        "capacities/0/updated",
    ),
    (
        "negative capacity",
        lambda s: s["capacities"][0].update(available=-1),
        "capacities/0/available",
    ),
    (
        "blank phone number",
        lambda s: s["phones"].append({"id": "8f0e1f0a-5a6e-4c61-9b1e-2f3a4b5c6d7e", "number": ""}),
        "phones/0/number",
    ),
    (
        "latitude out of range",
        lambda s: s["service_at_locations"][0]["location"].update(latitude=123.0),
        "service_at_locations/0/location/latitude",
    ),
    (
        "unknown location type",
        lambda s: s["service_at_locations"][0]["location"].update(location_type="boat"),
        "service_at_locations/0/location/location_type",
    ),
    (
        "unknown organization",
        lambda s: (
            s.pop("organization"),
            s.update(organization_id="3f2504e0-4f89-41d3-9a0c-0305e82c3301"),
        ),
        "organization_id",
    ),
    ("not a uuid", lambda s: s["languages"][0].update(id="nope"), "languages/0/id"),
]


@pytest.mark.parametrize(
    ("mutate", "field"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS]
)
def test_import_reports_the_field_of_an_invalid_record(world_export, tmp_path, mutate, field):
    services = sorted(world_export.values(), key=lambda s: s["name"])
    target = services[0]
    target["phones"] = []
    mutate(target)
    counts = row_counts()

    report = failed_import(write_json(tmp_path / "services.json", services))

    assert f"services.json[0] (id {target['id']}): {field}: " in report
    assert row_counts() == counts


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("accepts-pets", "sometimes"),
        ("genders-served", "everyone"),
        ("max-children", "two"),
        ("trafficking-types-served", "organ"),
    ],
)
def test_import_of_an_unknown_lantern_attribute_value_reports_the_term(
    world_export, tmp_path, code, value
):
    service = next(iter(world_export.values()))
    term = ELIGIBILITY_TERMS[code]
    service["attributes"].append(
        {
            "id": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
            "taxonomy_term_id": str(term.id),
            "value": value,
        }
    )
    index = len(service["attributes"]) - 1

    report = failed_import(write_json(tmp_path / "services.json", list(world_export.values())))

    assert f"(id {service['id']}): attributes/{index}/value: {code}: expected" in report
    assert repr(value) in report


def test_import_reports_a_confidential_flag_that_is_not_true_or_false(
    world, world_export, tmp_path
):
    service = world_export[str(world.b_confidential.service_id)]
    location = service["service_at_locations"][0]["location"]
    index = _attribute_index(location, CONFIDENTIAL_TERM.id)
    location["attributes"][index]["value"] = "yes"

    report = failed_import(write_json(tmp_path / "services.json", [service]))

    assert (
        f"service_at_locations/0/location/attributes/{index}/value: confidential-location: "
        "expected true or false, got 'yes'" in report
    )


def test_import_reports_a_lantern_term_on_the_wrong_kind_of_object(world_export, tmp_path):
    service = next(iter(world_export.values()))
    service["attributes"].append(
        {
            "id": "1b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
            "taxonomy_term_id": str(CONFIDENTIAL_TERM.id),
            "value": "true",
        }
    )
    report = failed_import(write_json(tmp_path / "services.json", [service]))
    assert "confidential-location: a Lantern location term cannot describe a service" in report


def test_import_needs_taxonomy_terms_to_exist_or_be_included(demo, tmp_path):
    export(tmp_path, "--include-confidential")
    flush_directory()
    # Services alone: their custom accreditation term is neither in the directory nor here.
    services = read_json(tmp_path / "json" / "services.json")
    for service in services:
        for attr in service["attributes"]:
            attr.pop("taxonomy_term", None)
    report = failed_import(write_json(tmp_path / "services-only.json", services))
    assert "attributes/" in report and "unknown taxonomy term" in report
    assert "include it in taxonomy_terms.json" in report
    # The whole export directory includes the terms (and their taxonomy): it imports.
    import_(tmp_path)
    assert Attribute.objects.filter(link_entity="service").count() == 4


def test_import_of_a_redacted_export_keeps_what_it_withholds(world, tmp_path):
    location = world.b_confidential.location
    address = location.addresses.get()
    export(tmp_path)
    import_(tmp_path)

    location.refresh_from_db()
    assert location.confidential is True
    assert (location.latitude, location.longitude) == (41.9123, -87.6543)
    assert location.coarse_latitude is not None
    assert list(location.addresses.all()) == [address]


def test_import_never_makes_a_location_public_by_saying_nothing(world, world_export, tmp_path):
    service = world_export[str(world.b_confidential.service_id)]
    location = service["service_at_locations"][0]["location"]
    location["attributes"] = [
        a for a in location["attributes"] if a["taxonomy_term_id"] != str(CONFIDENTIAL_TERM.id)
    ]
    import_(write_json(tmp_path / "services.json", [service]))
    assert Location.objects.get(pk=location["id"]).confidential is True

    location["attributes"].append(
        {
            "id": "2b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
            "taxonomy_term_id": str(CONFIDENTIAL_TERM.id),
            "value": "false",
        }
    )
    import_(write_json(tmp_path / "services.json", [service]))
    assert Location.objects.get(pk=location["id"]).confidential is False


def test_import_replaces_the_lists_a_record_carries(world, world_export, tmp_path):
    service = world_export[str(world.b_public.service_id)]
    capacity = service["capacities"][0]
    capacity["available"] = 0
    kept = service["languages"][0]["id"]
    extra = Language.objects.create(service_id=service["id"], code="fr", name="French")
    Phone.objects.create(service_id=service["id"], number="(212) 555-0177")

    import_(write_json(tmp_path / "services.json", [service]))

    assert ServiceCapacity.objects.get(pk=capacity["id"]).available == 0
    languages = Language.objects.filter(service_id=service["id"]).values_list("id", flat=True)
    assert [str(pk) for pk in languages] == [kept]
    assert not Language.objects.filter(pk=extra.pk).exists()
    assert not Phone.objects.filter(service_id=service["id"]).exists()


def test_import_can_renumber_a_service_at_location_given_by_reference(
    world, world_export, tmp_path
):
    service = world_export[str(world.b_public.service_id)]
    sal = service["service_at_locations"][0]
    sal["id"] = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
    location = sal.pop("location")  # only location_id: the location is in the directory

    import_(write_json(tmp_path / "services.json", [service]))

    rows = ServiceAtLocation.objects.filter(service_id=service["id"])
    assert [(str(r.pk), str(r.location_id)) for r in rows] == [(sal["id"], location["id"])]


def test_import_writes_one_audit_event_with_counts_only(world_export, tmp_path):
    services = list(world_export.values())
    import_(write_json(tmp_path / "services.json", services))

    event = AuditEvent.objects.get(action="hsds.import")
    assert event.actor is None and event.actor_label == "system:import"
    assert set(event.detail) == {"counts", "created"}
    assert event.detail["counts"]["service"] == 3
    text = json.dumps(event.detail)
    for service in services:
        assert service["name"] not in text and service["id"] not in text


def test_import_notes_hsds_fields_lantern_does_not_keep(world_export, tmp_path):
    service = next(iter(world_export.values()))
    service["fees"] = "None"
    service["accreditations"] = "Fictional"
    output, _ = import_(write_json(tmp_path / "services.json", [service]))
    assert "note: 1 value(s) of service.accreditations not kept" in output
    assert "note: 1 value(s) of service.fees not kept" in output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file or directory"),
        ("{not json", "not readable as JSON"),
        ("42", "expected an array of objects or one object"),
        ("[42]", "services.json[0]: (record): expected an object, got int"),
    ],
)
def test_import_reports_input_that_is_not_hsds_json(tmp_path, content, message):
    path = tmp_path / "input.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert message in failed_import(path)


def test_import_of_a_directory_without_services_fails(tmp_path):
    assert "no json/services.json" in failed_import(tmp_path)


def test_import_rejects_duplicate_service_ids(world_export, tmp_path):
    service = next(iter(world_export.values()))
    report = failed_import(write_json(tmp_path / "services.json", [service, service]))
    assert f"services.json[1] (id {service['id']}): id: duplicate: also services.json[0]" in report


def test_export_viewers_are_an_outsider_or_the_unredacted_operator(world):
    location = world.b_confidential.location
    assert public_viewer().sees(location) is False
    assert unredacted_viewer().sees(location) is True
    assert isinstance(unredacted_viewer(), Viewer)
    assert timezone.now() - public_viewer().now < timedelta(seconds=5)
