"""`lantern hsds export`: schema validity, the tabular package, redaction, snapshots."""

import stat
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError
from django.utils import timezone
from jsonschema import Draft202012Validator

from lantern.audit.models import AuditEvent
from lantern.directory.demo import demo_seed
from lantern.directory.hsds import Viewer
from lantern.directory.hsds_io import (
    TABLES,
    hsds_export,
    hsds_schemas,
    public_viewer,
    unredacted_viewer,
)
from lantern.directory.hsds_io.schemas import csv_table_nodes
from lantern.directory.models import (
    Address,
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
    CONFIDENTIAL_TERM,
    SERVICE_TYPE_BY_CODE,
)
from lantern.directory.tests.hsds_support import (
    every_file_text,
    export,
    read_csv,
    read_json,
)

pytestmark = pytest.mark.django_db

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
    """Every table the compiled schemas describe: name -> its JSON schema object (the first
    place it is described)."""
    tables: dict[str, dict[str, Any]] = {}
    for name, node in csv_table_nodes():
        if node.get("type") == "object":
            tables.setdefault(name, node)
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


def test_export_viewers_are_an_outsider_or_the_unredacted_operator(world):
    location = world.b_confidential.location
    assert public_viewer().sees(location) is False
    assert unredacted_viewer().sees(location) is True
    assert isinstance(unredacted_viewer(), Viewer)
    assert timezone.now() - public_viewer().now < timedelta(seconds=5)
