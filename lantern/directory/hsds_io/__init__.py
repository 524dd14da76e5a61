"""Bulk HSDS 3.1 exchange: `lantern hsds export` and `lantern hsds import`.

Export writes what `hsds.py` renders (so redaction is decided by `policy.py` and nowhere
else), both as HSDS JSON and as the HSDS tabular package (one CSV per table plus a
Frictionless `datapackage.json`). Rows are read and written in chunks, so the size of the
directory does not decide how much memory an export needs.

Import reads every HSDS 3.1 shape (`sources`: documents, lists, pages, JSON directories,
the tabular package, zips), validates every record against the compiled HSDS schema and the
Lantern profile, and writes everything in one transaction, upserting by `id`. Strictly (the
default), one invalid record anywhere means nothing is written, and every invalid record is
reported (a record that does not fit the HSDS schema with its schema errors; Lantern's
checks need the shape the schema guarantees). Leniently, each invalid object is skipped and
reported, and an optional reference to an object that is nowhere is dropped with a warning.
A list a record carries (phones, capacities, attributes ...) replaces the stored one; a
list it leaves out is left alone.

This module is the public entry point; the work is split by responsibility:

- `tabular`: the tabular package (tables, columns, Frictionless field types);
- `sources`: what an import reads, and which HSDS object each record is;
- `csvpackage`: the tabular package's rows made back into nested HSDS objects;
- `report`: what an import reports;
- `export`: the export, and the viewers it renders with;
- `schemas`: the compiled HSDS schemas shipped in `lantern/directory/hsds_schema/`;
- `reading`: an import's reading, schema validation and model building;
- `writing`: an import's chunked upserts;
- `importing`: an import's phases, in one transaction.
"""

from lantern.directory.hsds_io.export import (
    ExportReport,
    datapackage,
    hsds_export,
    hsds_export_archive,
    public_viewer,
    service_export_json,
    services_for_export,
    unredacted_viewer,
)
from lantern.directory.hsds_io.importing import hsds_import
from lantern.directory.hsds_io.report import ImportIssue, ImportReport
from lantern.directory.hsds_io.schemas import (
    SchemaUnavailable,
    hsds_schema_dir,
    hsds_schemas,
    read_schema,
)
from lantern.directory.hsds_io.sources import SourceError, read_upload
from lantern.directory.hsds_io.tabular import JSON_FILES, TABLES, TABLES_BY_NAME, Table

__all__ = [
    "JSON_FILES",
    "TABLES",
    "TABLES_BY_NAME",
    "ExportReport",
    "ImportIssue",
    "ImportReport",
    "SchemaUnavailable",
    "SourceError",
    "Table",
    "datapackage",
    "hsds_export",
    "hsds_export_archive",
    "hsds_import",
    "hsds_schema_dir",
    "hsds_schemas",
    "public_viewer",
    "read_schema",
    "read_upload",
    "service_export_json",
    "services_for_export",
    "unredacted_viewer",
]
