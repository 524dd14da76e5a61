"""Reading the HSDS tabular package: `datapackage.json` and one CSV per table.

Each row becomes the HSDS JSON object it stands for, and the child rows (phones,
schedules, languages, addresses, capacities, attributes, services-at-location) are nested
under their owner the way `export` wrote them (a row with several owners under the first
in `tabular._OWNER_ORDER`), so the import validates and writes them exactly as it does
JSON. A table a package includes is the owner's whole list (a service with no row in
`phones.csv` has no phones); a table it leaves out leaves the stored lists alone.
"""

import csv
import io
import json
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from lantern.directory.hsds_io.schemas import csv_table_nodes
from lantern.directory.hsds_io.tabular import _OWNER_ORDER, TABLES, TABLES_BY_NAME

if TYPE_CHECKING:
    from lantern.directory.hsds_io.sources import Files, Reading

# Tables read, parents first; the rest of HSDS (contacts, funding ...) is noted, not kept.
_OWNERS = ("organization", "location", "service", "service_at_location")
# Where a child table goes in its owner's JSON: table -> key.
_NESTED_AS = {
    "phone": "phones",
    "schedule": "schedules",
    "language": "languages",
    "address": "addresses",
    "service_capacity": "capacities",
    "attribute": "attributes",
}
# Which owner kinds carry which child lists (as `hsds.py` renders them).
_CARRIES = {
    "organization": ("phones", "attributes"),
    "location": ("addresses", "phones", "schedules", "languages", "attributes"),
    "service": ("capacities", "languages", "phones", "schedules", "attributes"),
    "service_at_location": ("phones", "schedules", "attributes"),
}
_LANGUAGE_OWNERS = ("service_id", "location_id")  # a phone's languages are not kept


def is_tabular_package(files: "Files") -> bool:
    names = set(files)
    return "datapackage.json" in names or any(t.path in names for t in TABLES)


def _schema_types() -> dict[str, dict[str, str]]:
    """Table -> column -> JSON type, from the compiled HSDS schemas (for a package without
    a usable descriptor: `count` and `timezone` are numbers though Lantern keeps neither)."""
    found: dict[str, dict[str, str]] = {}
    for name, node in csv_table_nodes():
        columns = found.setdefault(name, {})
        for column, prop in node.get("properties", {}).items():
            if prop.get("type") in ("number", "integer", "boolean"):
                columns[column] = prop["type"]
    return found


def _typed(value: str, kind: str) -> Any:
    if kind in ("number", "integer"):
        try:
            number = float(value)
        except ValueError:
            return value  # the schema names the field and the type
        return int(number) if number.is_integer() and "." not in value else number
    if kind == "boolean":
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
    return value


def _resources(files: "Files", reading: "Reading") -> dict[str, tuple[str, dict[str, str]]]:
    """Table name -> (file name, column -> Frictionless type), from the descriptor."""
    hsds = _schema_types()
    defaults = {
        table.name: (
            table.path,
            {**hsds.get(table.name, {}), **{f["name"]: f["type"] for f in table.fields()}},
        )
        for table in TABLES
    }
    if "datapackage.json" not in files:
        reading.notes.append("no datapackage.json: reading the HSDS file names")
        return defaults
    try:
        descriptor = json.loads(files["datapackage.json"]().decode("utf-8-sig"))
        resources = descriptor["resources"]
        if not isinstance(resources, list):
            raise TypeError("resources is not a list")
    except (KeyError, TypeError, UnicodeDecodeError, ValueError) as err:
        reading.notes.append(
            f"datapackage.json is not a data package descriptor ({err}); "
            "reading the HSDS file names"
        )
        return defaults
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for resource in resources:
        if not isinstance(resource, dict):
            continue
        name, path = resource.get("name"), resource.get("path")
        if name not in TABLES_BY_NAME:
            if isinstance(name, str):
                reading.notes.append(f"table {name} not kept (HSDS table Lantern does not store)")
            continue
        pure = PurePosixPath(str(path))
        if not isinstance(path, str) or pure.is_absolute() or ".." in pure.parts or "://" in path:
            reading.problem(
                "datapackage.json", f"resource {name}: path must be a file in the package"
            )
            continue
        fields = (resource.get("schema") or {}).get("fields") or []
        types = dict(defaults[name][1])
        types.update({f["name"]: f.get("type", "string") for f in fields if isinstance(f, dict)})
        found[name] = (path, types)
    return found


def _rows(
    files: "Files", name: str, path: str, types: dict[str, str], reading: "Reading"
) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = files[path]().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        reading.problem(path, f"not UTF-8 text: {err}")
        return []
    rows = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            record = {
                key: _typed(value, types.get(key, "string"))
                for key, value in row.items()
                if key and value not in ("", None) and isinstance(value, str)
            }
            rows.append((reader.line_num, record))
    except csv.Error as err:
        reading.problem(path, f"not readable as CSV: {err}")
    return rows


def read_tabular_package(files: "Files", reading: "Reading") -> None:
    from lantern.directory.hsds_io.sources import Source

    resources = _resources(files, reading)
    tables: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for name, (path, types) in resources.items():
        if path in files:
            tables[name] = _rows(files, name, path, types, reading)
    if not tables:
        reading.problem("datapackage.json", "none of the package's CSV files is an HSDS table")
        return
    file_of = {name: resources[name][0] for name in tables}
    owners: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in _OWNERS}
    for kind in _OWNERS:
        for _, record in tables.get(kind, []):
            if isinstance(record.get("id"), str):
                for key in _CARRIES[kind]:
                    if _table_of(key) in tables:
                        record[key] = []
                owners[kind].setdefault(record["id"], record)
    services = owners["service"]
    # Services-at-location nest under their service when it is in the package.
    loose_sals: list[tuple[int, Any]] = []
    for line, sal in tables.get("service_at_location", []):
        parent = services.get(sal.get("service_id", ""))
        if parent is None:
            loose_sals.append((line, sal))
        else:
            parent.setdefault("service_at_locations", []).append(sal)
    if "service_at_location" in tables:
        for service in services.values():
            service.setdefault("service_at_locations", [])
    units = {u["id"]: u for _, u in tables.get("unit", []) if isinstance(u.get("id"), str)}
    for line, cap in tables.get("service_capacity", []):
        parent = services.get(cap.get("service_id", ""))
        unit = units.get(cap.get("unit_id", ""))
        if parent is None:
            reading.problem(
                file_of["service_capacity"],
                f"no service {cap.get('service_id')} in services.csv",
                index=line,
                field="service_id",
                record_id=cap.get("id"),
            )
            continue
        if unit is None:
            reading.problem(
                file_of["service_capacity"],
                f"no unit {cap.get('unit_id')} in units.csv",
                index=line,
                field="unit_id",
                record_id=cap.get("id"),
            )
            continue
        parent["capacities"].append({**cap, "unit": unit})
    for table in ("phone", "schedule", "language", "address"):
        order = {"language": _LANGUAGE_OWNERS, "address": ("location_id",)}.get(
            table, _OWNER_ORDER.get(table, ())
        )
        for line, row in tables.get(table, []):
            _nest(row, line, table, order, owners, file_of[table], reading)
    for line, attr in tables.get("attribute", []):
        link = attr.get("link_id", "")
        owner = next((owners[kind][link] for kind in _OWNERS if link in owners[kind]), None)
        if owner is None:
            reading.problem(
                file_of["attribute"],
                f"no organization, location, service or service at location {link} in this package",
                index=line,
                field="link_id",
                record_id=attr.get("id"),
            )
            continue
        owner.setdefault("attributes", []).append(attr)
    for kind, table in (
        ("taxonomy", "taxonomy"),
        ("taxonomy_term", "taxonomy_term"),
        ("organization", "organization"),
        ("location", "location"),
        ("service", "service"),
    ):
        if table in tables:
            reading.sources.append(Source(file_of[table], kind, tables[table]))
    if loose_sals:
        reading.sources.append(
            Source(file_of["service_at_location"], "service_at_location", loose_sals)
        )


def _table_of(key: str) -> str:
    return next(table for table, nested in _NESTED_AS.items() if nested == key)


def _nest(
    row: dict[str, Any],
    line: int,
    table: str,
    order: tuple[str, ...],
    owners: dict[str, dict[str, dict[str, Any]]],
    source: str,
    reading: "Reading",
) -> None:
    """Put a child row under the first of its owners that is in the package."""
    key = _NESTED_AS[table]
    for owner_key in order:
        owner_id = row.get(owner_key)
        if not owner_id:
            continue
        kind = owner_key.removesuffix("_id")
        owner = owners[kind].get(owner_id) if kind in owners else None
        if owner is not None:
            owner.setdefault(key, []).append(row)
            return
    named = [key for key in order if row.get(key)]
    reading.problem(
        source,
        (
            "no "
            + ", ".join(f"{k.removesuffix('_id')} {row[k]}" for k in named)
            + " in this package"
            if named
            else f"belongs to nothing: give one of {', '.join(order)}"
        ),
        index=line,
        record_id=row.get("id"),
        field=named[0] if named else order[0],
    )
