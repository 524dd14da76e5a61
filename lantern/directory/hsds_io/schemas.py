"""The compiled HSDS 3.1 schemas an import validates against (shipped in `hsds_schema/`)."""

import gzip
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

PACKAGED_SCHEMA_DIR = Path(__file__).resolve().parent.parent / "hsds_schema"


def hsds_schema_dir() -> Path:
    """Where the compiled HSDS 3.1 schemas are: `LANTERN_HSDS_SCHEMA_DIR`, or the packaged copy."""
    configured = getattr(settings, "LANTERN_HSDS_SCHEMA_DIR", None)
    return Path(configured) if configured else PACKAGED_SCHEMA_DIR


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
    # Taxonomies, terms and locations have no compiled schema file of their own; they are
    # the same objects as nested in a service. A service-at-location document has its own
    # file (with the service nested); without it, the one nested in a service is used.
    term = service["properties"]["attributes"]["items"]["properties"]["taxonomy_term"]
    nested_sal = service["properties"]["service_at_locations"]["items"]
    try:
        service_at_location = _read_schema(directory, "service_at_location")
    except (OSError, ValueError):
        service_at_location = nested_sal
    return {
        "service": service,
        "organization": organization,
        "service_at_location": service_at_location,
        "location": nested_sal["properties"]["location"],
        "taxonomy_term": term,
        "taxonomy": term["properties"]["taxonomy_detail"],
    }


def hsds_schemas() -> dict[str, dict[str, Any]]:
    return _load_schemas(hsds_schema_dir())


def read_schema(name: str) -> dict[str, Any]:
    """One of the compiled HSDS 3.1 documents shipped with Lantern (`hsds_schema/`), such
    as `service_at_location` or `openapi` (always the shipped copy, whatever
    `LANTERN_HSDS_SCHEMA_DIR` says: the API is checked against what Lantern ships)."""
    return _read_schema(PACKAGED_SCHEMA_DIR, name)


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


def csv_table_nodes() -> Iterator[tuple[str, dict[str, Any]]]:
    """(table name, schema object) for every place the compiled schemas describe a table of
    the tabular package (`"path": "<table>s.csv"`), in schema order; a table nested in
    several documents comes once per place."""

    def walk(node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        if isinstance(node, dict):
            if str(node.get("path", "")).endswith(".csv") and isinstance(node.get("name"), str):
                yield node["name"], node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for schema in hsds_schemas().values():
        yield from walk(schema)
