"""The Open Referral HSDS 3.1 examples (`hsds_examples/`): every shape is read, a strict
import refuses their real problems and writes nothing, a lenient one imports the rest."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lantern.audit.models import AuditEvent
from lantern.directory.hsds_io import hsds_import
from lantern.directory.models import (
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).parent / "hsds_examples"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
ORG_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
CAPACITY_ID = "8896b788-7b3e-11ef-8db9-7f3d040352b3"
MISSING_PARENT = "cd09a387-91f4-4555-94ec-e799c35344cd"
JSON_EXAMPLES = {
    # file -> where the service, location and organization are inside it
    "service_full.json": ("", "service_at_locations/0/location/", "organization/"),
    "organization_full.json": ("services/0/", "locations/0/", ""),
    "service_at_location_full.json": ("service/", "location/", "service/organization/"),
}


def _found(issues, field, text):
    return [i for i in issues if i.field == field and text in i.message]


def _nothing_written():
    assert not Service.objects.exists()
    assert not Organization.objects.exists()
    assert not Location.objects.exists()
    assert not AuditEvent.objects.filter(action="hsds.import").exists()


@pytest.mark.parametrize("name", list(JSON_EXAMPLES))
def test_strict_import_refuses_each_json_example_naming_its_problems(name):
    service, location, org = JSON_EXAMPLES[name]

    report = hsds_import(path=EXAMPLES / name)

    assert not report.ok
    fields = sorted(issue.field for issue in report.issues)
    assert fields == sorted(
        [
            f"{location}latitude",
            f"{service}capacities/0/available",
            f"{org}parent_organization_id",
            f"{service}attributes/0/parent_id",
        ]
    )
    assert _found(report.issues, f"{location}latitude", "between -90 and 90, got 100")
    (capacity,) = _found(
        report.issues, f"{service}capacities/0/available", "12 is more than maximum 10"
    )
    assert capacity.object_id == CAPACITY_ID
    assert _found(report.issues, f"{org}parent_organization_id", MISSING_PARENT)
    # attending_type is 72 characters: HSDS has no limit, and neither has Lantern.
    assert not [i for i in report.issues if "attending_type" in i.field]
    _nothing_written()


@pytest.mark.parametrize("name", list(JSON_EXAMPLES))
def test_lenient_import_keeps_the_valid_parts_of_each_json_example(name):
    _, location, org = JSON_EXAMPLES[name]

    report = hsds_import(path=EXAMPLES / name, lenient=True)

    assert report.ok and report.written
    imported = Service.objects.get(pk=SERVICE_ID)
    assert imported.organization_id is not None and str(imported.organization_id) == ORG_ID
    assert Organization.objects.get(pk=ORG_ID).parent_organization_id is None
    assert not Location.objects.exists()  # latitude 100
    assert not ServiceCapacity.objects.exists()  # 12 available of 10
    assert not ServiceAtLocation.objects.exists()  # at that location
    long_attending = Schedule.objects.get(service_id=SERVICE_ID).attending_type
    assert len(long_attending) == 72
    assert TaxonomyTerm.objects.get(pk="3f7b145d-84af-42d7-8fae-eaca714b02b2").parent_id is None
    skipped = {(i.field, i.record_id) for i in report.issues}
    assert (f"{location}latitude", report.issues[0].record_id) in skipped
    assert any(i.field.endswith("location_id") for i in report.issues)
    assert _found(report.warnings, f"{org}parent_organization_id", "dropped")
    event = AuditEvent.objects.get(action="hsds.import")
    assert event.detail["mode"] == "lenient"
    assert event.detail["skipped"] == len(report.issues)


def test_strict_import_refuses_the_csv_package_naming_its_problems():
    report = hsds_import(path=EXAMPLES / "csv")

    assert not report.ok
    by_place = {(i.source, i.index, i.field) for i in report.issues}
    assert ("locations.csv", 2, "latitude") in by_place
    assert ("organizations.csv", 2, "parent_organization_id") in by_place
    assert ("service_capacity.csv", 2, "service_id") in by_place  # a service not in the package
    assert ("attributes.csv", 2, "link_id") in by_place
    assert "locations.csv line 2 (id 3a19ff88" in str(
        next(i for i in report.issues if i.field == "latitude")
    )
    _nothing_written()


def test_lenient_import_of_the_csv_package_imports_the_rest():
    report = hsds_import(path=EXAMPLES / "csv", lenient=True)

    assert report.ok
    service = Service.objects.get(pk=SERVICE_ID)
    assert service.name == "Community Counselling"
    assert service.minimum_age == 12 and str(service.organization_id) == ORG_ID
    assert list(service.languages.values_list("code", flat=True)) == ["ur"]
    assert not Location.objects.filter(pk=LOCATION_ID).exists()
    assert {i.source for i in report.issues} >= {"locations.csv", "attributes.csv"}
    assert any(
        note.startswith("table contact not kept") for note in report.notes
    )  # tables Lantern does not keep


def test_the_cli_skips_invalid_records_and_writes_a_json_report(tmp_path):
    report_path = tmp_path / "report.json"
    out = StringIO()

    call_command(
        "hsds",
        "import",
        str(EXAMPLES / "service_full.json"),
        "--skip-invalid",
        "--report",
        str(report_path),
        stdout=out,
    )

    text = out.getvalue()
    assert "skipped: service_full.json[0] (id ac148810" in text
    assert (
        "capacities/0/available: 12 is more than maximum 10 "
        "(object id 8896b788-7b3e-11ef-8db9-7f3d040352b3)"
    ) in text
    assert "warning: " in text and "parent_organization_id" in text
    data = json.loads(report_path.read_text())
    assert data["mode"] == "lenient" and data["written"] is True
    assert data["counts"]["service"] == 1
    assert {
        "source": "service_full.json",
        "index": 0,
        "record_id": SERVICE_ID,
        "object_id": CAPACITY_ID,
        "field": "capacities/0/available",
        "message": "12 is more than maximum 10",
    } in data["skipped"]
    assert [w["field"] for w in data["warnings"]] == [
        "attributes/0/parent_id",
        "organization/parent_organization_id",
    ]


def test_the_cli_stays_all_or_nothing_by_default(tmp_path):
    report_path = tmp_path / "report.json"
    with pytest.raises(CommandError, match="nothing was written"):
        call_command(
            "hsds",
            "import",
            str(EXAMPLES / "csv"),
            "--report",
            str(report_path),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert json.loads(report_path.read_text())["written"] is False
    _nothing_written()
