"""`lantern hsds export`: the directory as HSDS JSON and as the HSDS tabular package.

Export writes what `hsds.py` renders (so redaction is decided by `policy.py` and nowhere
else). Rows are read and written in chunks, so the size of the directory does not decide
how much memory an export needs.
"""

import csv
import json
import os
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from lantern.audit.services import audit_record
from lantern.directory import selectors
from lantern.directory.hsds import (
    Viewer,
    location_json,
    organization_json,
    phone_json,
    schedule_json,
    service_json,
    taxonomy_json,
    taxonomy_term_json,
)
from lantern.directory.hsds_io.tabular import (
    JSON_FILES,
    TABLES,
    _owned_by,
)
from lantern.directory.models import (
    Address,
    Location,
    Organization,
    Service,
    Taxonomy,
    TaxonomyTerm,
)
from lantern.directory.profile import (
    PROFILE_VERSION,
)

# --- viewers -------------------------------------------------------------------------------


def public_viewer(now: datetime | None = None) -> Viewer:
    """What anyone outside every member organization sees: the redacted directory."""
    return Viewer(AnonymousUser(), now=now)


class UnredactedViewer(Viewer):
    """Sees every confidential location in full.

    Only for `lantern hsds export --include-confidential`, which an operator runs on the
    server itself. No request ever gets this viewer: the API builds its viewers from the
    authenticated user, and `policy.sees_exact_location` decides for them.
    """

    def sees(self, location: Location) -> bool:
        return True


def unredacted_viewer(now: datetime | None = None) -> Viewer:
    return UnredactedViewer(None, now=now)


# --- export --------------------------------------------------------------------------------


@dataclass
class ExportReport:
    directory: Path
    include_confidential: bool
    rows: dict[str, int]  # CSV rows per HSDS table
    items: dict[str, int]  # JSON items per file


def _batches(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def services_for_export() -> QuerySet[Service]:
    """`services_full()` plus what each service-at-location carries, in id order."""
    return (
        selectors.services_full()
        .prefetch_related("service_at_locations__phones", "service_at_locations__schedules")
        .order_by("id")
    )


def _location_prefetch(prefix: str) -> list[Any]:
    return [
        Prefetch(f"{prefix}addresses", queryset=Address.objects.order_by("id")),
        f"{prefix}languages",
        f"{prefix}phones",
        f"{prefix}schedules",
    ]


def organizations_for_export() -> QuerySet[Organization]:
    return Organization.objects.prefetch_related(
        "phones",
        Prefetch("locations", queryset=Location.objects.order_by("name", "id")),
        *_location_prefetch("locations__"),
    ).order_by("id")


def locations_for_export() -> QuerySet[Location]:
    return Location.objects.prefetch_related(*_location_prefetch("")).order_by("id")


class _Writer:
    """Open files of one export: JSON arrays written item by item, CSVs row by row."""

    def __init__(self, directory: Path, *, private: bool) -> None:
        self.directory = directory
        self.private = private
        self.files: list[IO[str]] = []
        (directory / "json").mkdir(parents=True, exist_ok=True)
        self.json: dict[str, IO[str]] = {}
        self.items: Counter[str] = Counter()
        self.csv: dict[str, csv.DictWriter[str]] = {}
        self.rows: Counter[str] = Counter()
        for name in JSON_FILES:
            handle = self._open(directory / "json" / name)
            handle.write("[")
            self.json[name] = handle
        for table in TABLES:
            writer = csv.DictWriter(
                self._open(directory / table.path),
                fieldnames=table.columns,
                extrasaction="ignore",
                restval="",
            )
            writer.writeheader()
            self.csv[table.name] = writer

    def _open(self, path: Path) -> IO[str]:
        handle = _open_for_writing(path, private=self.private)
        self.files.append(handle)
        return handle

    def item(self, name: str, data: dict[str, Any]) -> None:
        handle = self.json[name]
        handle.write("\n" if not self.items[name] else ",\n")
        json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
        self.items[name] += 1

    def row(self, table: str, data: dict[str, Any]) -> None:
        self.csv[table].writerow(data)
        self.rows[table] += 1

    def close(self) -> None:
        for name, handle in self.json.items():
            handle.write("\n]\n" if self.items[name] else "]\n")
        for handle in self.files:
            handle.close()


def _open_for_writing(path: Path, *, private: bool) -> IO[str]:
    # An export with confidential locations holds safe-house addresses: owner-only files.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    if private:
        os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def datapackage(*, include_confidential: bool) -> dict[str, Any]:
    """The Frictionless descriptor of the tabular package."""
    return {
        "profile": "tabular-data-package",
        "name": "lantern-hsds",
        "title": "Lantern service directory (Open Referral HSDS 3.1)",
        "created": timezone.now().isoformat(timespec="seconds"),
        "hsds_version": "3.1",
        "lantern": {
            "profile_version": PROFILE_VERSION,
            "confidential_locations": "included" if include_confidential else "redacted",
        },
        "resources": [
            {
                "name": table.name,
                "path": table.path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": table.fields(), "primaryKey": ["id"]},
            }
            for table in TABLES
        ],
    }


def hsds_export(
    *,
    directory: Path,
    include_confidential: bool = False,
    chunk_size: int = 500,
    actor: Any = None,
) -> ExportReport:
    """Write the directory under `directory`: `json/*.json` and the tabular package.

    Without `include_confidential` every object is written as an outsider sees it.
    """
    now = timezone.now()

    def new_viewer() -> Viewer:
        # A fresh viewer per chunk, so the attributes it loads do not pile up.
        return unredacted_viewer(now) if include_confidential else public_viewer(now)

    directory = Path(directory)
    writer = _Writer(directory, private=include_confidential)
    try:
        with _snapshot():
            _export_taxonomies(writer, chunk_size)
            _export_organizations(writer, new_viewer, chunk_size)
            _export_locations(writer, new_viewer, chunk_size)
            units = _export_services(writer, new_viewer, chunk_size)
        for unit_data in sorted(units.values(), key=lambda u: u["id"]):
            writer.row("unit", unit_data)
    finally:
        writer.close()
    descriptor = datapackage(include_confidential=include_confidential)
    with _open_for_writing(directory / "datapackage.json", private=include_confidential) as handle:
        json.dump(descriptor, handle, indent=2)
        handle.write("\n")
    report = ExportReport(
        directory=directory,
        include_confidential=include_confidential,
        rows=dict(writer.rows),
        items=dict(writer.items),
    )
    audit_record(
        actor=actor,
        actor_label=None if actor is not None else "system:export",
        action="hsds.export",
        object_type="directory",
        object_id="hsds",
        detail={"include_confidential": include_confidential, "items": report.items},
    )
    return report


def hsds_export_archive(*, handle: IO[bytes], actor: Any) -> ExportReport:
    """The public export (confidential locations as outsiders see them) as one zip, for the
    staff page: the same files `hsds_export` writes, audited under `actor`."""
    with tempfile.TemporaryDirectory(prefix="lantern-hsds-") as folder:
        report = hsds_export(directory=Path(folder), include_confidential=False, actor=actor)
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file():
                    archive.write(path, f"hsds/{path.relative_to(folder).as_posix()}")
    return report


@contextmanager
def _snapshot() -> Iterator[None]:
    """One read-only transaction for every read of the export, so its files agree.

    The passes (taxonomies, organizations, locations, services) are separate queries; on
    PostgreSQL a repeatable-read snapshot keeps a service added meanwhile from appearing in
    services.json without its location in locations.csv. SQLite transactions are already
    serializable. Inside an outer transaction (tests) the outer one decides.
    """
    fresh = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if fresh:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _export_taxonomies(writer: _Writer, chunk_size: int) -> None:
    for tax in Taxonomy.objects.order_by("id").iterator(chunk_size=chunk_size):
        data = taxonomy_json(tax)
        writer.item("taxonomies.json", data)
        writer.row("taxonomy", data)
    terms = TaxonomyTerm.objects.select_related("taxonomy_detail").order_by("id")
    for term in terms.iterator(chunk_size=chunk_size):
        data = taxonomy_term_json(term)
        writer.item("taxonomy_terms.json", data)
        writer.row("taxonomy_term", data)


def _export_organizations(writer: _Writer, new_viewer: Callable[[], Viewer], size: int) -> None:
    for batch in _batches(organizations_for_export().iterator(chunk_size=size), size):
        viewer = new_viewer()
        viewer.load_attributes(
            [org.id for org in batch] + [loc.id for org in batch for loc in org.locations.all()]
        )
        for org in batch:
            data = organization_json(org, viewer, full=True)
            writer.item("organizations.json", data)
            writer.row("organization", data)
            for phone in data["phones"]:
                if _owned_by("phone", phone, "organization_id"):
                    writer.row("phone", phone)
            for attr in data["attributes"]:
                writer.row("attribute", attr)


def _export_locations(writer: _Writer, new_viewer: Callable[[], Viewer], size: int) -> None:
    """Every location, as the viewer may see it (the CSV side of `location_json`)."""
    for batch in _batches(locations_for_export().iterator(chunk_size=size), size):
        viewer = new_viewer()
        viewer.load_attributes([loc.id for loc in batch])
        for location in batch:
            data = location_json(location, viewer)
            writer.row("location", data)
            for address in data.get("addresses", []):
                writer.row("address", address)
            for key, table in (("phones", "phone"), ("schedules", "schedule")):
                for row in data.get(key, []):
                    if _owned_by(table, row, "location_id"):
                        writer.row(table, row)
            for lang in data["languages"]:
                if _owned_by("language", lang, "location_id"):
                    writer.row("language", lang)
            for attr in data["attributes"]:
                writer.row("attribute", attr)


def _export_services(
    writer: _Writer, new_viewer: Callable[[], Viewer], size: int
) -> dict[str, dict[str, Any]]:
    units: dict[str, dict[str, Any]] = {}
    for batch in _batches(services_for_export().iterator(chunk_size=size), size):
        viewer = new_viewer()
        sals = [sal for service in batch for sal in service.service_at_locations.all()]
        viewer.load_attributes(
            [s.id for s in batch] + [sal.location_id for sal in sals] + [sal.id for sal in sals]
        )
        for service in batch:
            data = service_export_json(service, viewer)
            writer.item("services.json", data)
            writer.row("service", data)
            for cap in data["capacities"]:
                writer.row("service_capacity", cap)
                units[cap["unit"]["id"]] = cap["unit"]
            for key, table in (("languages", "language"), ("phones", "phone")):
                for row in data[key]:
                    if _owned_by(table, row, "service_id"):
                        writer.row(table, row)
            for row in data["schedules"]:
                if _owned_by("schedule", row, "service_id"):
                    writer.row("schedule", row)
            for attr in data["attributes"]:
                writer.row("attribute", attr)
            for sal in data["service_at_locations"]:
                writer.row("service_at_location", sal)
                for key, table in (("phones", "phone"), ("schedules", "schedule")):
                    for row in sal[key]:
                        if _owned_by(table, row, "service_at_location_id"):
                            writer.row(table, row)
                for attr in sal["attributes"]:
                    writer.row("attribute", attr)
    return units


def service_export_json(service: Service, viewer: Viewer) -> dict[str, Any]:
    """`service_json`, plus the phones, schedules and attributes of each service-at-location.

    `service_json` leaves those out of the nested service-at-locations (the API serves them
    at `/service_at_locations/{id}`); an export must carry them or a round trip loses them.
    """
    data = service_json(service, viewer)
    by_id = {str(sal.id): sal for sal in service.service_at_locations.all()}
    for sal_data in data["service_at_locations"]:
        sal = by_id[sal_data["id"]]
        sal_data["phones"] = [phone_json(p) for p in sal.phones.all()]
        sal_data["schedules"] = [schedule_json(s) for s in sal.schedules.all()]
        sal_data["attributes"] = viewer.attributes_of(sal.id)
    return data
