"""Every HSDS shape is read and told apart by its content; zips are read within limits;
export, import into an empty directory and export again give the same documents."""

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from lantern.directory.hsds_io import hsds_import
from lantern.directory.hsds_io import sources as sources_module
from lantern.directory.hsds_io.sources import SourceError, detect_kind, read_path, read_zip
from lantern.directory.models import Organization, Service
from lantern.directory.tests.hsds_support import export, flush_directory, row_counts

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).parent / "hsds_examples"


def _example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_each_example_is_recognised_by_its_content_not_its_name(tmp_path):
    for name, kind in (
        ("service_full.json", "service"),
        ("organization_full.json", "organization"),
        ("service_at_location_full.json", "service_at_location"),
    ):
        copy = tmp_path / "upload.json"  # a name that says nothing
        shutil.copy(EXAMPLES / name, copy)
        reading = read_path(copy)
        assert [(s.kind, len(s.records)) for s in reading.sources] == [(kind, 1)], name


def test_a_page_envelope_and_a_list_are_read_item_by_item(tmp_path):
    org = _example("organization_full.json")
    page = {
        "total_items": 1,
        "total_pages": 1,
        "page_number": 1,
        "size": 1,
        "first_page": True,
        "last_page": True,
        "empty": False,
        "contents": [{k: v for k, v in org.items() if k not in ("services", "locations")}],
    }
    (tmp_path / "page.json").write_text(json.dumps(page))
    reading = read_path(tmp_path / "page.json")
    assert [(s.kind, [i for i, _ in s.records]) for s in reading.sources] == [("organization", [0])]
    (tmp_path / "list.json").write_text(json.dumps([_example("service_full.json")] * 2))
    assert [s.kind for s in read_path(tmp_path / "list.json").sources] == ["service"]


def test_a_record_that_fits_several_kinds_takes_the_file_name_or_is_reported(tmp_path):
    record = {"id": "5c4d79d7-cc55-470e-9f1f-8cad074e4892", "name": "n", "description": "d"}
    assert detect_kind(record, "taxonomy") == "taxonomy"
    assert detect_kind(record) is None
    (tmp_path / "things.json").write_text(json.dumps([record]))
    report = hsds_import(path=tmp_path / "things.json")
    assert not report.ok
    assert "cannot tell which HSDS object this is" in report.issues[0].message


def test_an_organization_document_imports_its_services(tmp_path):
    org = _example("organization_full.json")
    org.pop("parent_organization_id")
    service = org["services"][0]
    service.pop("capacities")
    service.pop("attributes")
    service.pop("service_at_locations")
    org.pop("locations")
    (tmp_path / "org.json").write_text(json.dumps(org))

    report = hsds_import(path=tmp_path / "org.json")

    assert report.ok, [str(i) for i in report.issues]
    assert str(Service.objects.get(pk=service["id"]).organization_id) == org["id"]


def _zip(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def test_a_zip_of_the_csv_package_in_a_folder_is_read_as_the_package():
    files = {f"hsds/{p.name}": p.read_bytes() for p in (EXAMPLES / "csv").iterdir()}
    reading = read_zip("upload.zip", _zip(files))
    assert {s.name for s in reading.sources} >= {"services.csv", "organizations.csv"}


def test_a_zip_bomb_and_too_many_members_are_refused(monkeypatch):
    monkeypatch.setattr(sources_module, "ZIP_MAX_BYTES", 1000)
    with pytest.raises(SourceError, match="unpacks to more than"):
        read_zip("bomb.zip", _zip({"services.json": b" " * 100_000}))
    monkeypatch.setattr(sources_module, "ZIP_MAX_MEMBERS", 3)
    with pytest.raises(SourceError, match="holds 4 files"):
        read_zip("many.zip", _zip({f"{i}.json": b"[]" for i in range(4)}))
    with pytest.raises(SourceError, match="unsafe name"):
        read_zip("evil.zip", _zip({"../services.json": b"[]"}))
    with pytest.raises(SourceError, match="not a readable zip"):
        read_zip("junk.zip", io.BytesIO(b"not a zip"))


def _documents(directory: Path) -> dict[str, str]:
    """Every file of an export but the descriptor's creation time."""
    out = {}
    for path in sorted(directory.rglob("*.*")):
        text = path.read_text(encoding="utf-8")
        if path.name == "datapackage.json":
            data = json.loads(text)
            data.pop("created")
            text = json.dumps(data)
        out[str(path.relative_to(directory))] = text
    return out


@pytest.mark.parametrize("via", ["json", "csv"])
def test_round_trip_export_import_export_gives_the_same_documents(demo, tmp_path, via):
    first, second = tmp_path / "first", tmp_path / "second"
    export(first, "--include-confidential")
    counts = row_counts()
    flush_directory()
    source = first
    if via == "csv":  # the tabular package alone
        source = tmp_path / "package"
        shutil.copytree(first, source, ignore=shutil.ignore_patterns("json"))

    report = hsds_import(path=source)

    assert report.ok, [str(i) for i in report.issues[:5]]
    export(second, "--include-confidential")
    assert _documents(second) == _documents(first)
    assert Organization.objects.count() == counts["Organization"]


def test_a_package_whose_descriptor_is_unusable_is_read_by_the_hsds_file_names(tmp_path):
    """Upstream, examples/csv/datapackage.json is a symbolic link; copied without links it is
    the text of its target. The tables are still found, and typed from the HSDS schemas."""
    package = tmp_path / "csv"
    shutil.copytree(EXAMPLES / "csv", package)
    (package / "datapackage.json").write_text("../../datapackage.json")

    reading = read_path(package)

    assert any("datapackage.json is not a data package descriptor" in n for n in reading.notes)
    services = next(s for s in reading.sources if s.kind == "service")
    ((line, service),) = services.records
    assert line == 2 and service["minimum_age"] == 12
    schedule = service["service_at_locations"][0]["schedules"][0]
    assert schedule["count"] == 3 and schedule["timezone"] == 3  # numbers, as HSDS says
