"""The official HSDS 3.1 API document, with every schema it references read from the repo.

The document (`hsds_schema/openapi.json.gz`, unchanged) names its schemas by their
addresses on raw.githubusercontent.com. `official_document()` reads it and puts each
referenced schema into `components/schemas` as `hsds_<name>`, pointing the references
there: the compiled schemas from `lantern/directory/hsds_schema/` (the same files), the
three uncompiled ones (`taxonomy`, `taxonomy_term` and the `metadata` they reference) from
this folder. Nothing is fetched from the network. See README.md for the source and licence.
"""

import copy
import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parent.parent / "hsds_schema"
REMOTE_PREFIX = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


def _read(name: str) -> dict[str, Any]:
    local = HERE / f"{name}.json"
    if local.exists():
        return json.loads(local.read_text(encoding="utf-8"))
    with gzip.open(SHIPPED / f"{name}.json.gz", "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _schema_name(ref: str) -> str | None:
    """`hsds_<name>` for a reference to a whole HSDS schema file (remote or relative)."""
    if "#" in ref:
        return None
    if ref.startswith(REMOTE_PREFIX):
        ref = ref.removeprefix(REMOTE_PREFIX).removeprefix("compiled/")
    if "/" in ref or not ref.endswith(".json"):
        return None
    return ref.removesuffix(".json")


def _localize(node: Any, wanted: set[str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            name = _schema_name(value) if key == "$ref" and isinstance(value, str) else None
            if name is not None:
                wanted.add(name)
                out[key] = f"#/components/schemas/hsds_{name}"
            else:
                out[key] = _localize(value, wanted)
        return out
    if isinstance(node, list):
        return [_localize(item, wanted) for item in node]
    return node


@cache
def _document() -> dict[str, Any]:
    with gzip.open(SHIPPED / "openapi.json.gz", "rt", encoding="utf-8") as handle:
        original = json.load(handle)
    wanted: set[str] = set()
    document = _localize(original, wanted)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    done: set[str] = set()
    while wanted - done:
        name = sorted(wanted - done)[0]
        schemas[f"hsds_{name}"] = _localize(_read(name), wanted)
        done.add(name)
    return document


def official_document(*, errata: bool = True) -> dict[str, Any]:
    """A fresh copy of the official document with local references (safe to change),
    with the corrections Open Referral published after the shipped commit (`ERRATA`)."""
    document = copy.deepcopy(_document())
    if errata:
        for fix in ERRATA.values():
            fix(document)
    return document


def _service_at_location_answers_a_service_at_location(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    schemas["hsds_service_at_location"] = _localize(_read("service_at_location"), set())
    answer = document["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]
    answer["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/hsds_service_at_location"
    }


# Upstream fixes to the document, by where they were published.
ERRATA = {
    # GET /service_at_locations/{id} was declared to answer a `service`; it answers a
    # `service_at_location` (merged 2026-01-16, released as a 3.1 patch).
    "openreferral/specification#574": _service_at_location_answers_a_service_at_location,
}


def original_document() -> dict[str, Any]:
    """The official document exactly as published (remote references)."""
    with gzip.open(SHIPPED / "openapi.json.gz", "rt", encoding="utf-8") as handle:
        return json.load(handle)
