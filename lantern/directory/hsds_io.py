"""Bulk HSDS 3.1 exchange: `lantern hsds export` and `lantern hsds import`.

Export writes what `hsds.py` renders (so redaction is decided by `policy.py` and nowhere
else), both as HSDS JSON and as the HSDS tabular package (one CSV per table plus a
Frictionless `datapackage.json`). Rows are read and written in chunks, so the size of the
directory does not decide how much memory an export needs.

Import reads HSDS JSON, validates every record against the compiled HSDS schema and the
Lantern profile, and writes everything in one transaction, upserting by `id`. One invalid
record anywhere means nothing is written, and every invalid record is reported (a record
that does not fit the HSDS schema with its schema errors; Lantern's checks need the shape
the schema guarantees). A list a record carries (phones, capacities, attributes ...)
replaces the stored one; a list it leaves out is left alone.
"""

import csv
import gzip
import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from lantern.audit.services import audit_record
from lantern.directory import selectors, signals
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
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from lantern.directory.profile import (
    ALL_TERMS,
    CONFIDENTIAL_TERM,
    ELIGIBILITY_FIELDS,
    LOCATION_TAXONOMY,
    PROFILE_VERSION,
    SERVICE_TYPE_BY_CODE,
    TAXONOMIES,
    TERMS_BY_ID,
    ProfileValueError,
    parse_location_attributes,
    parse_service_attributes,
)
from lantern.directory.services import location_protect

# --- the tabular package -------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One HSDS table in the tabular package: its HSDS name, file and Lantern's columns.

    Columns are HSDS column names in HSDS order, limited to what Lantern stores. A column
    is written `name` (a string), or `name:type` with a Frictionless field type.
    """

    name: str
    path: str
    spec: str

    @property
    def columns(self) -> list[str]:
        return [column.split(":")[0] for column in self.spec.split()]

    def fields(self) -> list[dict[str, str]]:
        out = []
        for column in self.spec.split():
            name, _, kind = column.partition(":")
            descriptor = {"name": name, "type": kind or "string"}
            fmt = _FORMATS.get(name) or ("uuid" if name == "id" or name in REFERENCES else "")
            if fmt and not kind:
                descriptor["format"] = fmt
            out.append(descriptor)
        return out


# Columns that hold the id of another object.
REFERENCES = frozenset(
    {
        "organization_id",
        "parent_organization_id",
        "service_id",
        "location_id",
        "service_at_location_id",
        "unit_id",
        "phone_id",
        "link_id",
        "taxonomy_term_id",
        "taxonomy_id",
        "parent_id",
    }
)
_FORMATS = {
    "email": "email",
    "assurer_email": "email",
    "url": "uri",
    "website": "uri",
    "uri": "uri",
    "term_uri": "uri",
}

# File names are the `path` each table has in the compiled HSDS 3.1 schema, so HSDS tools
# find them where the standard puts them (`service_at_location.csv`, `service_capacity.csv`).
TABLES: tuple[Table, ...] = (
    Table(
        "organization",
        "organizations.csv",
        "id name alternate_name description email website tax_status tax_id "
        "year_incorporated:number legal_status uri parent_organization_id",
    ),
    Table(
        "service",
        "services.csv",
        "id organization_id name alternate_name description url email status "
        "interpretation_services application_process fees_description wait_time "
        "eligibility_description minimum_age:number maximum_age:number assured_date:date "
        "assurer_email alert last_modified:datetime",
    ),
    Table(
        "attribute",
        "attributes.csv",
        "id link_id taxonomy_term_id link_type link_entity value label",
    ),
    Table(
        "service_at_location", "service_at_location.csv", "id service_id location_id description"
    ),
    Table(
        "location",
        "locations.csv",
        "id location_type url organization_id name alternate_name description transportation "
        "latitude:number longitude:number",
    ),
    Table(
        "phone",
        "phones.csv",
        "id location_id service_id organization_id service_at_location_id number "
        "extension:number type description",
    ),
    Table(
        "address",
        "addresses.csv",
        "id location_id attention address_1 address_2 city region state_province postal_code "
        "country address_type",
    ),
    Table(
        "schedule",
        "schedules.csv",
        "id service_id location_id service_at_location_id valid_from:date valid_to:date "
        "dtstart:date until:date wkst freq interval:number byday bymonthday description "
        "opens_at:time closes_at:time attending_type notes",
    ),
    Table("language", "languages.csv", "id service_id location_id phone_id name code note"),
    Table(
        "taxonomy_term",
        "taxonomy_terms.csv",
        "id code name description parent_id taxonomy language taxonomy_id term_uri",
    ),
    Table("taxonomy", "taxonomies.csv", "id name description uri version"),
    Table(
        "service_capacity",
        "service_capacity.csv",
        "id service_id unit_id available:number maximum:number description updated:datetime",
    ),
    Table("unit", "units.csv", "id name scheme identifier uri"),
)
TABLES_BY_NAME = {table.name: table for table in TABLES}
JSON_FILES = ("services.json", "organizations.json", "taxonomies.json", "taxonomy_terms.json")

# A phone, schedule or language can belong to several objects at once. In the tabular
# package each row is written once, under the first owner it has in this order; the
# location comes last because a confidential location's own rows are the ones redacted.
_OWNER_ORDER = {
    "phone": ("service_at_location_id", "service_id", "organization_id", "location_id"),
    "schedule": ("service_at_location_id", "service_id", "location_id"),
    "language": ("service_id", "phone_id", "location_id"),
}


def _owned_by(table: str, row: dict[str, Any], owner_key: str) -> bool:
    first = next((key for key in _OWNER_ORDER[table] if row.get(key)), None)
    return first == owner_key


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
    *, directory: Path, include_confidential: bool = False, chunk_size: int = 500
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
        actor=None,
        actor_label="system:export",
        action="hsds.export",
        object_type="directory",
        object_id="hsds",
        detail={"include_confidential": include_confidential, "items": report.items},
    )
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


# --- schemas -------------------------------------------------------------------------------

_PACKAGED_SCHEMA_DIR = Path(__file__).resolve().parent / "hsds_schema"


def hsds_schema_dir() -> Path:
    """Where the compiled HSDS 3.1 schemas are: `LANTERN_HSDS_SCHEMA_DIR`, or the packaged copy."""
    configured = getattr(settings, "LANTERN_HSDS_SCHEMA_DIR", None)
    return Path(configured) if configured else _PACKAGED_SCHEMA_DIR


class SchemaUnavailable(RuntimeError):
    pass


def _read_schema(directory: Path, name: str) -> dict[str, Any]:
    plain = directory / f"{name}.json"
    if plain.exists():
        return json.loads(plain.read_text(encoding="utf-8"))
    with gzip.open(directory / f"{name}.json.gz", "rt", encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _load_schemas(directory: Path) -> dict[str, dict[str, Any]]:
    try:
        service = _read_schema(directory, "service")
        organization = _read_schema(directory, "organization")
    except (OSError, ValueError) as err:
        raise SchemaUnavailable(
            f"cannot read the compiled HSDS 3.1 schemas (service.json, organization.json) "
            f"in {directory}: {err}"
        ) from err
    # Taxonomies and terms have no compiled schema file of their own; they are the same
    # objects as nested in a service's attributes.
    term = service["properties"]["attributes"]["items"]["properties"]["taxonomy_term"]
    return {
        "service": service,
        "organization": organization,
        "taxonomy_term": term,
        "taxonomy": term["properties"]["taxonomy_detail"],
    }


def hsds_schemas() -> dict[str, dict[str, Any]]:
    return _load_schemas(hsds_schema_dir())


@cache
def _validators(directory: Path) -> dict[str, Any]:
    # jsonschema is imported here, not at module level, so that `hsds export` does not need
    # it. The compiled schemas declare no `$schema` and contain no `$ref` (everything is
    # inlined), so no registry is needed and nothing is ever fetched; HSDS 3.1 is written
    # for JSON Schema 2020-12. Formats checked: uuid, email, date; `uri` and `date-time`
    # are checked by the model fields afterwards.
    try:
        from jsonschema import Draft202012Validator
    except ImportError as err:  # pragma: no cover - a dependency of the deployment
        raise SchemaUnavailable("HSDS import needs the jsonschema package") from err

    checker = Draft202012Validator.FORMAT_CHECKER
    return {
        name: Draft202012Validator(schema, format_checker=checker)
        for name, schema in _load_schemas(directory).items()
    }


# --- import --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportIssue:
    """Why one record cannot be imported: where it is, which field, what is wrong."""

    source: str
    index: int | None
    record_id: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.index is not None:
            where += f"[{self.index}]"
        if self.record_id:
            where += f" (id {self.record_id})"
        return f"{where}: {self.field or '(record)'}: {self.message}"


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)  # rows written per HSDS table
    created: dict[str, int] = field(default_factory=dict)  # of which new
    issues: list[ImportIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass(frozen=True)
class _At:
    """A place in the input: a top-level record and the path to a nested object in it."""

    source: str
    index: int | None
    record_id: str | None
    path: str = ""

    def child(self, key: str) -> "_At":
        return _At(self.source, self.index, self.record_id, f"{self.path}/{key}".lstrip("/"))

    def field(self, name: str) -> str:
        return f"{self.path}/{name}".lstrip("/") if name else self.path


@dataclass
class _Item:
    record: dict[str, Any]
    at: _At


class _Invalid(Exception):
    """A nested object could not be built; its issues are already recorded."""


def _uuid(value: Any) -> str:
    return str(uuid.UUID(str(value)))


_TABLE_OF = {
    Taxonomy: "taxonomy",
    TaxonomyTerm: "taxonomy_term",
    Organization: "organization",
    Service: "service",
    Location: "location",
    Address: "address",
    ServiceAtLocation: "service_at_location",
    ServiceCapacity: "service_capacity",
    Unit: "unit",
    Language: "language",
    Phone: "phone",
    Schedule: "schedule",
    Attribute: "attribute",
}
# The HSDS keys Lantern stores as plain columns: the table's columns less its references,
# which the importer resolves itself. Identical to the model's attribute names.
_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    model: tuple(c for c in TABLES_BY_NAME[table].columns if c not in REFERENCES)
    for model, table in _TABLE_OF.items()
}
# Foreign keys a nested phone, schedule or language may carry: HSDS key -> kind of object.
_CHILD_FKS: dict[type[models.Model], dict[str, str]] = {
    Phone: {
        "location_id": "location",
        "service_id": "service",
        "organization_id": "organization",
        "service_at_location_id": "service_at_location",
    },
    Schedule: {
        "service_id": "service",
        "location_id": "location",
        "service_at_location_id": "service_at_location",
    },
    Language: {"service_id": "service", "location_id": "location", "phone_id": "phone"},
    Address: {"location_id": "location"},
}
# Keys that are understood although they are not columns: nested objects and Lantern's
# read-only extensions. Anything else is valid HSDS that Lantern does not keep (noted).
_NESTED_KEYS = {
    "service": {
        "organization_id",
        "organization",
        "capacities",
        "languages",
        "phones",
        "schedules",
        "service_at_locations",
        "attributes",
    },
    "organization": {"parent_organization_id", "phones", "locations", "attributes"},
    "location": {"organization_id", "addresses", "languages", "phones", "schedules", "attributes"},
    "service_at_location": {"service_id", "location_id", "location", "phones", "schedules"}
    | {"attributes"},
    "service_capacity": {"service_id", "unit_id", "unit", "freshness", "status"},
    "taxonomy_term": {"parent_id", "taxonomy_id", "taxonomy_detail"},
    "attribute": {"id", "link_id", "link_type", "link_entity", "taxonomy_term_id", "taxonomy_term"}
    | {"value", "label"},
    "phone": set(_CHILD_FKS[Phone]),
    "schedule": set(_CHILD_FKS[Schedule]),
    "language": set(_CHILD_FKS[Language]),
    "address": {"location_id"},
    "taxonomy": set(),
    "unit": set(),
}
_PROFILE_TAXONOMY_IDS = {str(tax.id) for tax in TAXONOMIES}
_REDACTED_LOCATION_KEYS = ("latitude", "longitude", "addresses")
_WRITE_CHUNK = 500


def _reference_error(kind: str, value: str) -> str:
    return f"unknown {kind} {value}: not in this import and not in the directory"


class _Importer:
    def __init__(self) -> None:
        self.report = ImportReport()
        self.counts: Counter[str] = Counter()
        self.created: Counter[str] = Counter()
        self.ignored: Counter[str] = Counter()
        self.taxonomies: dict[str, _Item] = {}
        self.terms: dict[str, _Item] = {}
        self.orgs: dict[str, _Item] = {}
        self.units: dict[str, _Item] = {}
        self.locations: dict[str, _Item] = {}
        self.services: list[_Item] = []
        # Ids of every object in the import, so references resolve in any order.
        self.ids: dict[str, set[str]] = {
            kind: set()
            for kind in (
                "taxonomy",
                "taxonomy_term",
                "organization",
                "service",
                "location",
                "service_at_location",
                "phone",
            )
        }
        self.ids["taxonomy"] |= _PROFILE_TAXONOMY_IDS
        self.ids["taxonomy_term"] |= set(TERMS_BY_ID)
        self._in_db: dict[tuple[str, str], bool] = {}
        self.sal_pairs: dict[tuple[str, str], str] = {}

    # -- bookkeeping ----------------------------------------------------------------------

    def issue(self, at: _At, name: str, message: str) -> None:
        self.report.issues.append(
            ImportIssue(at.source, at.index, at.record_id, at.field(name), message)
        )

    @property
    def writing(self) -> bool:
        return not self.report.issues

    def known(self, kind: str, value: str) -> bool:
        if value in self.ids[kind]:
            return True
        key = (kind, value)
        if key not in self._in_db:
            model = {
                "taxonomy": Taxonomy,
                "taxonomy_term": TaxonomyTerm,
                "organization": Organization,
                "service": Service,
                "location": Location,
                "service_at_location": ServiceAtLocation,
                "phone": Phone,
            }[kind]
            self._in_db[key] = model._default_manager.filter(pk=value).exists()
        return self._in_db[key]

    def note_ignored(self, entity: str, record: dict[str, Any]) -> None:
        known = set(_NESTED_KEYS[entity])
        model = next(m for m, t in _TABLE_OF.items() if t == entity)
        known |= set(_FIELDS.get(model, ()))
        for key in record:
            if key not in known:
                self.ignored[f"{entity}.{key}"] += 1

    # -- reading --------------------------------------------------------------------------

    def read(self, path: Path) -> dict[str, list[Any]]:
        """The records of each input file, by file name."""
        if path.is_dir():
            base = path / "json" if (path / "json" / "services.json").exists() else path
            if not (base / "services.json").exists():
                self.issue(
                    _At(str(path), None, None),
                    "",
                    "no json/services.json (or services.json) in this directory",
                )
                return {}
            files = {name: base / name for name in JSON_FILES if (base / name).exists()}
        elif path.exists():
            files = {"services.json": path}
        else:
            self.issue(_At(str(path), None, None), "", "no such file or directory")
            return {}
        out: dict[str, list[Any]] = {}
        for name, file in files.items():
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as err:
                self.issue(_At(file.name, None, None), "", f"not readable as JSON: {err}")
                continue
            if isinstance(data, dict):
                data = [data]
            if not isinstance(data, list):
                self.issue(
                    _At(file.name, None, None), "", "expected an array of objects or one object"
                )
                continue
            out[name] = data
        return out

    def validate_schema(self, kind: str, source: str, records: list[Any]) -> list[_Item]:
        validator = _validators(hsds_schema_dir())[kind]
        valid: list[_Item] = []
        for index, record in enumerate(records):
            record_id = record.get("id") if isinstance(record, dict) else None
            at = _At(source, index, record_id if isinstance(record_id, str) else None)
            if not isinstance(record, dict):
                self.issue(at, "", f"expected an object, got {type(record).__name__}")
                continue
            errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
            for error in errors:
                path = "/".join(str(part) for part in error.absolute_path)
                if error.validator == "required":
                    missing = [p for p in error.validator_value if p not in error.instance]
                    name = next((p for p in missing if repr(p) in error.message), "")
                    path = f"{path}/{name}".lstrip("/")
                message = error.message
                if len(message) > 200:
                    message = message[:197] + "..."
                self.issue(at, path, message)
            if not errors:
                valid.append(_Item(record, at))
        return valid

    def collect(self, sources: dict[str, list[Any]]) -> None:
        """Validate every record against the HSDS schema, and index what it nests by id."""
        schema_of = {
            "taxonomies.json": "taxonomy",
            "taxonomy_terms.json": "taxonomy_term",
            "organizations.json": "organization",
            "services.json": "service",
        }
        valid = {
            name: self.validate_schema(schema_of[name], name, records)
            for name, records in sources.items()
        }
        for item in valid.get("taxonomies.json", []):
            self._index(self.taxonomies, "taxonomy", item)
        for item in valid.get("taxonomy_terms.json", []):
            self._index(self.terms, "taxonomy_term", item)
        for item in valid.get("organizations.json", []):
            self._index(self.orgs, "organization", item)
            self._collect_org(item)
        seen_services: dict[str, _At] = {}
        for item in valid.get("services.json", []):
            service_id = _uuid(item.record["id"])
            if service_id in seen_services:
                first = seen_services[service_id]
                self.issue(item.at, "id", f"duplicate: also {first.source}[{first.index}]")
                continue
            seen_services[service_id] = item.at
            self.ids["service"].add(service_id)
            self.services.append(item)
            self._collect_service(item)

    def _index(self, into: dict[str, _Item], kind: str, item: _Item) -> None:
        key = _uuid(item.record["id"])
        into.setdefault(key, item)
        self.ids[kind].add(key)
        if kind == "taxonomy_term" and isinstance(item.record.get("taxonomy_detail"), dict):
            nested = item.record["taxonomy_detail"]
            self._index(
                self.taxonomies, "taxonomy", _Item(nested, item.at.child("taxonomy_detail"))
            )

    def _collect_attributes(self, record: dict[str, Any], at: _At) -> None:
        for i, attr in enumerate(record.get("attributes", [])):
            term = attr.get("taxonomy_term")
            if isinstance(term, dict) and "id" in term:
                self._index(self.terms, "taxonomy_term", _Item(term, at.child(f"attributes/{i}")))

    def _collect_location(self, record: dict[str, Any], at: _At) -> None:
        key = _uuid(record["id"])
        current = self.locations.get(key)
        # The same location nests under every service there; keep its fullest rendering.
        if current is None or len(record) > len(current.record):
            self.locations[key] = _Item(record, at)
        self.ids["location"].add(key)
        for phone in record.get("phones", []):
            self.ids["phone"].add(_uuid(phone["id"]))
        self._collect_attributes(record, at)

    def _collect_org(self, item: _Item) -> None:
        for i, location in enumerate(item.record.get("locations", [])):
            self._collect_location(location, item.at.child(f"locations/{i}"))
        for phone in item.record.get("phones", []):
            self.ids["phone"].add(_uuid(phone["id"]))
        self._collect_attributes(item.record, item.at)

    def _collect_service(self, item: _Item) -> None:
        record, at = item.record, item.at
        org = record.get("organization")
        if isinstance(org, dict):
            org_item = _Item(org, at.child("organization"))
            if _uuid(org["id"]) not in self.orgs:
                self._index(self.orgs, "organization", org_item)
        for i, cap in enumerate(record.get("capacities", [])):
            self.units.setdefault(
                _uuid(cap["unit"]["id"]), _Item(cap["unit"], at.child(f"capacities/{i}/unit"))
            )
        for phone in record.get("phones", []):
            self.ids["phone"].add(_uuid(phone["id"]))
        for i, sal in enumerate(record.get("service_at_locations", [])):
            self.ids["service_at_location"].add(_uuid(sal["id"]))
            for phone in sal.get("phones", []):
                self.ids["phone"].add(_uuid(phone["id"]))
            if isinstance(sal.get("location"), dict):
                self._collect_location(
                    sal["location"], at.child(f"service_at_locations/{i}/location")
                )
            self._collect_attributes(sal, at.child(f"service_at_locations/{i}"))
        self._collect_attributes(record, at)

    # -- building model instances ---------------------------------------------------------

    def build(self, model: type[models.Model], values: dict[str, Any], at: _At) -> Any:
        """A model instance from HSDS values, checked by the model's own field validation."""
        ok = True
        for f in model._meta.concrete_fields:
            value = values.get(f.attname)
            if f.is_relation or not isinstance(f, models.IntegerField) or value is None:
                continue
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                self.issue(at, f.attname, f"expected a whole number, got {value!r}")
                ok = False
            elif isinstance(value, float):
                values[f.attname] = int(value)
        obj = model(**values)
        relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
        try:
            obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
        except ValidationError as err:
            for name, messages in err.message_dict.items():
                self.issue(at, "" if name == "__all__" else name, " ".join(messages))
            ok = False
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateTimeField) and ok:
                value = getattr(obj, f.attname)
                if value is not None and timezone.is_naive(value):
                    self.issue(at, f.attname, "needs a time zone (Z or an offset from UTC)")
                    ok = False
        if not ok:
            raise _Invalid
        return obj

    def values(self, model: type[models.Model], record: dict[str, Any]) -> dict[str, Any]:
        return {key: record[key] for key in _FIELDS[model] if key in record}

    def reference(self, at: _At, name: str, kind: str, value: Any) -> str | None:
        if value is None:
            return None
        ref = _uuid(value)
        if not self.known(kind, ref):
            self.issue(at, name, _reference_error(kind, ref))
            raise _Invalid
        return ref

    def child(
        self, model: type[models.Model], record: dict[str, Any], at: _At, owner: tuple[str, str]
    ) -> Any:
        """A phone, schedule, language or address nested under `owner` (HSDS key, id)."""
        self.note_ignored(_TABLE_OF[model], record)
        values = self.values(model, record)
        owner_key, owner_id = owner
        for key, kind in _CHILD_FKS[model].items():
            if key == owner_key:
                if record.get(key) is not None and _uuid(record[key]) != owner_id:
                    self.issue(at, key, f"must be {owner_id}, the object it is nested in")
                    raise _Invalid
                values[key] = owner_id
            else:
                values[key] = self.reference(at, key, kind, record.get(key))
        return self.build(model, values, at)

    def children(
        self,
        model: type[models.Model],
        record: dict[str, Any],
        key: str,
        at: _At,
        owner: tuple[str, str],
        into: "_Batch",
    ) -> None:
        if key not in record:
            return
        into.replace(model, owner[0], owner[1])
        for i, child in enumerate(record[key]):
            with suppress(_Invalid):
                into.add(model, self.child(model, child, at.child(f"{key}/{i}"), owner))

    def attributes(
        self, record: dict[str, Any], at: _At, owner_id: str, entity: str, into: "_Batch"
    ) -> list[tuple[int, dict[str, Any]]]:
        """Generic attributes go into `into`; Lantern ones (index, attribute) are returned.

        A Lantern term that does not describe this kind of object is an issue.
        """
        if "attributes" not in record:
            return []
        into.replace(Attribute, "link_id", owner_id)
        lantern: list[tuple[int, dict[str, Any]]] = []
        for i, attr in enumerate(record["attributes"]):
            aat = at.child(f"attributes/{i}")
            self.note_ignored("attribute", attr)
            nested = attr.get("taxonomy_term")
            nested_id = _uuid(nested["id"]) if isinstance(nested, dict) else None
            term_id = _uuid(attr["taxonomy_term_id"]) if attr.get("taxonomy_term_id") else None
            if term_id and nested_id and term_id != nested_id:
                self.issue(aat, "taxonomy_term_id", f"differs from taxonomy_term.id {nested_id}")
                continue
            term_id = term_id or nested_id
            if term_id is None:
                self.issue(aat, "taxonomy_term_id", "required: the term the value belongs to")
                continue
            if attr.get("link_id") and _uuid(attr["link_id"]) != owner_id:
                self.issue(aat, "link_id", f"must be {owner_id}, the {entity} it is nested in")
                continue
            term = TERMS_BY_ID.get(term_id)
            if term is not None:
                describes = "location" if term.taxonomy is LOCATION_TAXONOMY else "service"
                if describes != entity:
                    self.issue(
                        aat,
                        "taxonomy_term_id",
                        f"{term.code}: a Lantern {describes} term cannot describe a {entity}",
                    )
                    continue
                # parse_*_attributes read the term from taxonomy_term_id.
                lantern.append((i, {**attr, "taxonomy_term_id": term_id}))
                continue
            if not self.known("taxonomy_term", term_id):
                self.issue(
                    aat,
                    "taxonomy_term_id",
                    f"{_reference_error('taxonomy term', term_id)}; include it in "
                    "taxonomy_terms.json or nest it as taxonomy_term",
                )
                continue
            values = {
                "id": attr["id"],
                "link_id": owner_id,
                "link_type": attr.get("link_type", ""),
                "link_entity": attr.get("link_entity") or entity,
                "taxonomy_term_id": term_id,
                "value": attr.get("value", ""),
                "label": attr.get("label", ""),
            }
            with suppress(_Invalid):
                into.add(Attribute, self.build(Attribute, values, aat))
        return lantern

    # -- phases ---------------------------------------------------------------------------

    def run(self, path: Path) -> ImportReport:
        sources = self.read(path)
        if sources:
            try:
                self.collect(sources)
            except SchemaUnavailable as err:
                self.issue(_At(str(path), None, None), "", str(err))
                return self.finish()
        if not sources:
            return self.finish()
        try:
            with transaction.atomic():
                self.import_all()
                if self.report.issues:
                    transaction.set_rollback(True)
                else:
                    audit_record(
                        actor=None,
                        actor_label="system:import",
                        action="hsds.import",
                        object_type="directory",
                        object_id="hsds",
                        detail={"counts": dict(self.counts), "created": dict(self.created)},
                    )
        except DatabaseError as err:
            # Deferred constraints are checked at commit; the whole import is rolled back.
            self.issue(_At("database", None, None), "", f"rejected by the database: {err}")
        return self.finish()

    def finish(self) -> ImportReport:
        if self.report.issues:
            self.counts.clear()
            self.created.clear()
        self.report.counts = dict(sorted(self.counts.items()))
        self.report.created = dict(sorted(self.created.items()))
        self.report.notes = [
            f"{count} value(s) of {name} not kept (HSDS field Lantern does not store)"
            for name, count in sorted(self.ignored.items())
        ]
        return self.report

    def import_all(self) -> None:
        if self.writing:
            _ensure_profile_terms()
        batch = _Batch(self)
        # Lantern's own taxonomies and terms are defined in profile.py, not by imports.
        taxonomies = [
            item
            for item in self.taxonomies.values()
            if _uuid(item.record["id"]) not in _PROFILE_TAXONOMY_IDS
        ]
        for chunk in _batches(taxonomies, _WRITE_CHUNK):
            for item in chunk:
                self.note_ignored("taxonomy", item.record)
                with suppress(_Invalid):
                    values = self.values(Taxonomy, item.record)
                    batch.add(Taxonomy, self.build(Taxonomy, values, item.at))
            batch.flush()
        terms = [i for i in self.terms.values() if _uuid(i.record["id"]) not in TERMS_BY_ID]
        for chunk in _batches(terms, _WRITE_CHUNK):
            for item in chunk:
                with suppress(_Invalid):
                    batch.add(TaxonomyTerm, self.term(item))
            batch.flush()
        for chunk in _batches(self.orgs.values(), _WRITE_CHUNK):
            for item in chunk:
                self.organization(item, batch)
            batch.flush()
        for chunk in _batches(self.units.values(), _WRITE_CHUNK):
            for item in chunk:
                self.note_ignored("unit", item.record)
                with suppress(_Invalid):
                    batch.add(Unit, self.build(Unit, self.values(Unit, item.record), item.at))
            batch.flush()
        for chunk in _batches(self.locations.values(), _WRITE_CHUNK):
            existing = {
                str(loc.pk): loc
                for loc in Location.objects.filter(
                    pk__in=[_uuid(i.record["id"]) for i in chunk]
                ).only("id", "confidential", "latitude", "longitude", "transportation")
            }
            for item in chunk:
                self.location(item, existing.get(_uuid(item.record["id"])), batch)
            batch.flush()
        for chunk in _batches(self.services, _WRITE_CHUNK):
            for item in chunk:
                self.service(item, batch)
            batch.flush()

    def term(self, item: _Item) -> TaxonomyTerm:
        record, at = item.record, item.at
        self.note_ignored("taxonomy_term", record)
        values = self.values(TaxonomyTerm, record)
        values["taxonomy_detail_id"] = self.reference(
            at, "taxonomy_id", "taxonomy", record.get("taxonomy_id")
        )
        values["parent_id"] = self.reference(
            at, "parent_id", "taxonomy_term", record.get("parent_id")
        )
        return self.build(TaxonomyTerm, values, at)

    def organization(self, item: _Item, batch: "_Batch") -> None:
        record, at = item.record, item.at
        org_id = _uuid(record["id"])
        self.note_ignored("organization", record)
        try:
            values = self.values(Organization, record)
            values["parent_organization_id"] = self.reference(
                at, "parent_organization_id", "organization", record.get("parent_organization_id")
            )
            batch.add(Organization, self.build(Organization, values, at), stamp=True)
        except _Invalid:
            pass
        self.children(Phone, record, "phones", at, ("organization_id", org_id), batch)
        self.attributes(record, at, org_id, "organization", batch)

    def location(self, item: _Item, existing: Location | None, batch: "_Batch") -> None:
        record, at = item.record, item.at
        location_id = _uuid(record["id"])
        self.note_ignored("location", record)
        lantern = self.attributes(record, at, location_id, "location", batch)
        for i, attr in lantern:
            value = str(attr.get("value", "")).strip()
            # Report each bad value with its attribute index (a typo must never make a
            # safe house public; the profile parser refuses it too).
            if attr["taxonomy_term_id"] == str(CONFIDENTIAL_TERM.id) and value not in (
                "true",
                "false",
            ):
                self.issue(
                    at.child(f"attributes/{i}"),
                    "value",
                    f"{CONFIDENTIAL_TERM.code}: expected true or false, got {value!r}",
                )
        try:
            profile = parse_location_attributes([attr for _, attr in lantern])
        except ProfileValueError:
            profile = {}  # already reported above, with the attribute's index
        try:
            values = self.values(Location, record)
            values["organization_id"] = self.reference(
                at, "organization_id", "organization", record.get("organization_id")
            )
            values["area"] = profile.get("area", "")
            # Never un-hide a safe house because a feed says nothing: only an explicit
            # "false" makes a confidential location public.
            values["confidential"] = profile.get(
                "confidential", existing.confidential if existing else False
            )
            for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
                coordinate = values.get(name)
                if coordinate is not None and not low <= coordinate <= high:
                    self.issue(at, name, f"must be between {low} and {high}, got {coordinate}")
                    raise _Invalid
            withheld = (
                values["confidential"]
                and existing is not None
                and not any(key in record for key in _REDACTED_LOCATION_KEYS)
            )
            if withheld and existing is not None:
                # An outsider's (redacted) rendering: what it withholds is not "empty".
                values["latitude"] = existing.latitude
                values["longitude"] = existing.longitude
                values["transportation"] = existing.transportation
            location = self.build(Location, values, at)
            location_protect(location)
            batch.add(Location, location, stamp=True)
        except _Invalid:
            pass
        owner = ("location_id", location_id)
        self.children(Address, record, "addresses", at, owner, batch)
        self.children(Phone, record, "phones", at, owner, batch)
        self.children(Schedule, record, "schedules", at, owner, batch)
        self.children(Language, record, "languages", at, owner, batch)

    def service(self, item: _Item, batch: "_Batch") -> None:
        record, at = item.record, item.at
        service_id = _uuid(record["id"])
        self.note_ignored("service", record)
        owner = ("service_id", service_id)
        lantern = self.attributes(record, at, service_id, "service", batch)
        type_codes: list[str] = []
        fields: dict[str, Any] = {}
        if self.lantern_values_fit(lantern, at):
            type_codes, fields = parse_service_attributes([attr for _, attr in lantern])
        try:
            values = self.values(Service, record)
            values["organization_id"] = self.service_organization(record, at)
            for name in ELIGIBILITY_FIELDS.values():
                values[name] = fields.get(name)
            service = self.build(Service, values, at)
            low, high = service.minimum_age, service.maximum_age
            if low is not None and high is not None and low > high:
                self.issue(at, "minimum_age", f"{low} is more than maximum_age {high}")
                raise _Invalid
            batch.add(Service, service, stamp="last_modified" not in record)
            batch.types[service_id] = {str(SERVICE_TYPE_BY_CODE[c].id) for c in type_codes}
        except _Invalid:
            pass
        if "capacities" in record:
            batch.replace(ServiceCapacity, "service_id", service_id)
            for i, cap in enumerate(record["capacities"]):
                with suppress(_Invalid):
                    batch.add(
                        ServiceCapacity, self.capacity(cap, at.child(f"capacities/{i}"), service_id)
                    )
        self.children(Language, record, "languages", at, owner, batch)
        self.children(Phone, record, "phones", at, owner, batch)
        self.children(Schedule, record, "schedules", at, owner, batch)
        if "service_at_locations" in record:
            batch.replace(ServiceAtLocation, "service_id", service_id)
            for i, sal in enumerate(record["service_at_locations"]):
                self.service_at_location(
                    sal, at.child(f"service_at_locations/{i}"), service_id, batch
                )

    def lantern_values_fit(self, lantern: list[tuple[int, dict[str, Any]]], at: _At) -> bool:
        """Each Lantern service attribute parses, and no single-valued rule is given twice."""
        ok = True
        seen: dict[str, str] = {}
        for i, attr in lantern:
            try:
                parse_service_attributes([attr])
            except ProfileValueError as err:
                self.issue(at.child(f"attributes/{i}"), "value", str(err))
                ok = False
                continue
            term = TERMS_BY_ID[attr["taxonomy_term_id"]]
            if term.value_kind not in ("boolean", "integer"):
                continue
            value = str(attr.get("value", "")).strip()
            if seen.setdefault(term.code, value) != value:
                self.issue(
                    at.child(f"attributes/{i}"),
                    "value",
                    f"{term.code}: given as both {seen[term.code]!r} and {value!r}",
                )
                ok = False
        return ok

    def service_organization(self, record: dict[str, Any], at: _At) -> str:
        org_id = _uuid(record["organization_id"]) if record.get("organization_id") else None
        nested = record.get("organization")
        nested_id = _uuid(nested["id"]) if isinstance(nested, dict) else None
        if org_id and nested_id and org_id != nested_id:
            self.issue(at, "organization_id", f"differs from organization.id {nested_id}")
            raise _Invalid
        org_id = org_id or nested_id
        if org_id is None:
            self.issue(at, "organization_id", "required: the organization providing the service")
            raise _Invalid
        ref = self.reference(at, "organization_id", "organization", org_id)
        assert ref is not None  # noqa: S101 - org_id is not None here
        return ref

    def capacity(self, record: dict[str, Any], at: _At, service_id: str) -> ServiceCapacity:
        self.note_ignored("service_capacity", record)
        unit_id = _uuid(record["unit"]["id"])
        if record.get("unit_id") and _uuid(record["unit_id"]) != unit_id:
            self.issue(at, "unit_id", f"differs from unit.id {unit_id}")
            raise _Invalid
        if record.get("service_id") and _uuid(record["service_id"]) != service_id:
            self.issue(at, "service_id", f"must be {service_id}, the service it is nested in")
            raise _Invalid
        values = self.values(ServiceCapacity, record)
        values.update(service_id=service_id, unit_id=unit_id)
        capacity = self.build(ServiceCapacity, values, at)
        if capacity.maximum is not None and capacity.available > capacity.maximum:
            self.issue(
                at, "available", f"{capacity.available} is more than maximum {capacity.maximum}"
            )
            raise _Invalid
        return capacity

    def service_at_location(
        self, record: dict[str, Any], at: _At, service_id: str, batch: "_Batch"
    ) -> None:
        self.note_ignored("service_at_location", record)
        sal_id = _uuid(record["id"])
        owner = ("service_at_location_id", sal_id)
        self.attributes(record, at, sal_id, "service_at_location", batch)
        self.children(Phone, record, "phones", at, owner, batch)
        self.children(Schedule, record, "schedules", at, owner, batch)
        try:
            if record.get("service_id") and _uuid(record["service_id"]) != service_id:
                self.issue(at, "service_id", f"must be {service_id}, the service it is nested in")
                raise _Invalid
            location_id = _uuid(record["location_id"]) if record.get("location_id") else None
            nested = record.get("location")
            nested_id = _uuid(nested["id"]) if isinstance(nested, dict) else None
            if location_id and nested_id and location_id != nested_id:
                self.issue(at, "location_id", f"differs from location.id {nested_id}")
                raise _Invalid
            location_id = location_id or nested_id
            if location_id is None:
                self.issue(at, "location_id", "required: where the service is given")
                raise _Invalid
            self.reference(at, "location_id", "location", location_id)
            pair = (service_id, location_id)
            if self.sal_pairs.setdefault(pair, sal_id) != sal_id:
                self.issue(
                    at, "location_id", f"service already at this location as {self.sal_pairs[pair]}"
                )
                raise _Invalid
            values = self.values(ServiceAtLocation, record)
            values.update(service_id=service_id, location_id=location_id)
            batch.add(ServiceAtLocation, self.build(ServiceAtLocation, values, at), stamp=True)
        except _Invalid:
            pass


# Write order inside one chunk: parents before the rows that point at them.
_WRITE_ORDER: tuple[type[models.Model], ...] = (
    Taxonomy,
    TaxonomyTerm,
    Organization,
    Unit,
    Location,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    Phone,
    Address,
    Schedule,
    Language,
    Attribute,
)


class _Batch:
    """Rows to upsert, and which owners' child lists the import replaces, for one chunk."""

    def __init__(self, importer: _Importer) -> None:
        self.importer = importer
        self.clear()

    def clear(self) -> None:
        self.rows: dict[type[models.Model], dict[str, Any]] = {m: {} for m in _WRITE_ORDER}
        self.replaced: dict[tuple[type[models.Model], str], set[str]] = {}
        self.types: dict[str, set[str]] = {}
        self.stamped: set[str] = set()

    def add(self, model: type[models.Model], obj: Any, *, stamp: bool = False) -> None:
        """`stamp`: the input does not say when the object last changed (HSDS has no
        `last_modified` for it), so the stored one is kept unless something did change;
        otherwise every import would make the whole directory look modified."""
        self.rows[model][str(obj.pk)] = obj
        if stamp:
            self.stamped.add(str(obj.pk))

    def replace(self, model: type[models.Model], owner_key: str, owner_id: str) -> None:
        """The import lists every `model` row of this owner: others are deleted."""
        self.replaced.setdefault((model, owner_key), set()).add(owner_id)

    def flush(self) -> None:
        importer = self.importer
        if not importer.writing:
            self.clear()
            return
        try:
            with transaction.atomic():
                self._write()
                signals.bulk_written.send(sender=Service)  # bulk writes send no model signals
        except DatabaseError as err:
            importer.issue(_At("database", None, None), "", f"rejected by the database: {err}")
        self.clear()

    def _write(self) -> None:
        importer = self.importer
        # Deletes first, so a replaced service-at-location frees its (service, location) pair.
        for (model, owner_key), owner_ids in self.replaced.items():
            keep = list(self.rows[model])
            model._default_manager.filter(**{f"{owner_key}__in": sorted(owner_ids)}).exclude(
                pk__in=keep
            ).delete()
        for model in _WRITE_ORDER:
            objs = list(self.rows[model].values())
            if not objs:
                continue
            table = _TABLE_OF[model]
            ids = [obj.pk for obj in objs]
            existing = set(model._default_manager.filter(pk__in=ids).values_list("pk", flat=True))
            stamped = [obj for obj in objs if str(obj.pk) in self.stamped]
            if stamped:
                stored = model._default_manager.in_bulk([obj.pk for obj in stamped])
                for obj in stamped:
                    old: Any = stored.get(obj.pk)
                    if old is not None and _unchanged(model, obj, old):
                        obj.last_modified = old.last_modified
            update = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
            model._default_manager.bulk_create(
                objs, update_conflicts=True, unique_fields=["id"], update_fields=update
            )
            importer.counts[table] += len(objs)
            importer.created[table] += sum(1 for pk in ids if pk not in existing)
        if self.types:
            self._write_service_types()

    def _write_service_types(self) -> None:
        through = Service.service_types.through
        current: dict[str, set[str]] = {service_id: set() for service_id in self.types}
        rows = through.objects.filter(service_id__in=list(self.types))
        for linked_service, linked_term in rows.values_list("service_id", "taxonomyterm_id"):
            current[str(linked_service)].add(str(linked_term))
        add = []
        for service_id, wanted in self.types.items():
            stale = current[service_id] - wanted
            if stale:
                through.objects.filter(service_id=service_id, taxonomyterm_id__in=stale).delete()
            add += [
                through(service_id=service_id, taxonomyterm_id=term_id)
                for term_id in sorted(wanted - current[service_id])
            ]
        through.objects.bulk_create(add)


def _unchanged(model: type[models.Model], new: Any, old: Any) -> bool:
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname == "last_modified":
            continue
        a, b = getattr(new, f.attname), getattr(old, f.attname)
        if isinstance(a, uuid.UUID | str) and isinstance(b, uuid.UUID | str):
            a, b = str(a), str(b)
        if a != b:
            return False
    return True


def _ensure_profile_terms() -> None:
    """Lantern's own taxonomies and terms, which attributes of the profile point at."""
    have = {
        str(pk)
        for pk in TaxonomyTerm.objects.filter(pk__in=list(TERMS_BY_ID)).values_list("pk", flat=True)
    }
    if len(have) == len(TERMS_BY_ID):
        return
    for tax in TAXONOMIES:
        Taxonomy.objects.get_or_create(
            id=tax.id, defaults={"name": tax.name, "description": tax.description, "version": "1.0"}
        )
    for term in ALL_TERMS:
        if str(term.id) not in have:
            TaxonomyTerm.objects.create(
                id=term.id,
                code=term.code,
                name=term.name,
                description=term.description,
                taxonomy_detail_id=term.taxonomy.id,
                taxonomy=term.taxonomy.name,
            )


def hsds_import(*, path: Path) -> ImportReport:
    """Import HSDS JSON from a file (services) or an export directory; see the module doc."""
    return _Importer().run(Path(path))
