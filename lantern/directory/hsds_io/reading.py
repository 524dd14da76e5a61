"""HSDS import, first half: reading the input, validating it against the HSDS schema,
indexing what it nests, and building model instances (with every issue recorded)."""

from collections import Counter
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from lantern.directory.hsds_io.report import ImportIssue, ImportReport, _At, _Invalid, _Item, _uuid
from lantern.directory.hsds_io.schemas import _validators, hsds_schema_dir
from lantern.directory.hsds_io.sources import KINDS, Reading, Source, read_path
from lantern.directory.hsds_io.tabular import (
    REFERENCES,
    TABLES_BY_NAME,
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
    LOCATION_TAXONOMY,
    TAXONOMIES,
    TERMS_BY_ID,
)

if TYPE_CHECKING:
    from lantern.directory.hsds_io.writing import _Batch

# --- import --------------------------------------------------------------------------------


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
    "organization": {"parent_organization_id", "phones", "locations", "attributes", "services"},
    "location": {"organization_id", "addresses", "languages", "phones", "schedules", "attributes"},
    "service_at_location": {"service_id", "location_id", "location", "phones", "schedules"}
    | {"attributes", "service"},
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
_WRITE_CHUNK = 500


def _reference_error(kind: str, value: str) -> str:
    return f"unknown {kind} {value}: not in this import and not in the directory"


class _Reader:
    """Reading, schema validation and indexing of an import's records, and building
    (validated) model instances from them. `importing._Importer` writes them."""

    def __init__(
        self,
        *,
        lenient: bool = False,
        excluded: dict[str, set[str]] | None = None,
        dry_run: bool = False,
    ) -> None:
        self.report = ImportReport(lenient=lenient)
        self.lenient = lenient
        self.dry_run = dry_run
        # Lenient: objects an earlier pass could not import, so references to them dangle.
        self.excluded = excluded or {}
        self.dropped: dict[str, set[str]] = {}
        self.added: dict[str, set[str]] = {}
        self.counts: Counter[str] = Counter()
        self.created: Counter[str] = Counter()
        self.ignored: Counter[str] = Counter()
        self.taxonomies: dict[str, _Item] = {}
        self.terms: dict[str, _Item] = {}
        self.orgs: dict[str, _Item] = {}
        self.units: dict[str, _Item] = {}
        self.locations: dict[str, _Item] = {}
        self.services: list[_Item] = []
        self.sals: list[_Item] = []  # service-at-location documents, not nested in a service
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
                "unit",
            )
        }
        self.ids["taxonomy"] |= _PROFILE_TAXONOMY_IDS
        self.ids["taxonomy_term"] |= set(TERMS_BY_ID)
        self._in_db: dict[tuple[str, str], bool] = {}
        self.sal_pairs: dict[tuple[str, str], str] = {}

    # -- bookkeeping ----------------------------------------------------------------------

    def issue(self, at: _At, name: str, message: str) -> None:
        self.report.issues.append(
            ImportIssue(at.source, at.index, at.record_id, at.field(name), message, at.object_id)
        )

    def warn(self, at: _At, name: str, message: str) -> None:
        self.report.warnings.append(
            ImportIssue(at.source, at.index, at.record_id, at.field(name), message, at.object_id)
        )

    @property
    def writing(self) -> bool:
        return not self.dry_run and (self.lenient or not self.report.issues)

    def drop(self, kind: str, object_id: Any) -> None:
        """`object_id` is not imported (invalid, or inside something that is not)."""
        with suppress(ValueError, TypeError):
            self.dropped.setdefault(kind, set()).add(_uuid(object_id))

    def failed(self) -> dict[str, set[str]]:
        """Objects dropped everywhere they appear (a phone nested twice may survive once)."""
        out = {kind: ids - self.added.get(kind, set()) for kind, ids in self.dropped.items()}
        return {kind: ids for kind, ids in out.items() if ids}

    def known(self, kind: str, value: str) -> bool:
        if value in self.ids[kind] and value not in self.excluded.get(kind, ()):
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
                "unit": Unit,
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

    def read(self, path: Path) -> list[Source]:
        """The records of the input, by kind (see `sources`); unreadable input is an issue."""
        return self.take(read_path(path))

    def take(self, reading: Reading) -> list[Source]:
        for source, index, record_id, name, message in reading.problems:
            self.issue(_At(source, index, record_id), name, message)
        self.report.notes.extend(reading.notes)
        return reading.sources

    def validate_schema(
        self, kind: str, source: str, records: list[tuple[int, Any]]
    ) -> list[_Item]:
        validator = _validators(hsds_schema_dir())[kind]
        valid: list[_Item] = []
        for index, record in records:
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
            else:
                self.drop(kind, record_id)
        return valid

    def collect(self, sources: list[Source]) -> None:
        """Validate every record against the HSDS schema, and index what it nests by id."""
        valid: dict[str, list[_Item]] = {kind: [] for kind in KINDS}
        for source in sources:
            valid[source.kind] += self.validate_schema(source.kind, source.name, source.records)
        for item in valid["taxonomy"]:
            self._index(self.taxonomies, "taxonomy", item)
        for item in valid["taxonomy_term"]:
            self._index(self.terms, "taxonomy_term", item)
        for item in valid["organization"]:
            self._index(self.orgs, "organization", item)
            self._collect_org(item)
        for item in valid["location"]:
            self._collect_location(item.record, item.at)
        seen_services: dict[str, _At] = {}
        for item in valid["service"]:
            service_id = _uuid(item.record["id"])
            if service_id in seen_services:
                first = seen_services[service_id]
                self.issue(item.at, "id", f"duplicate: also {first.source}[{first.index}]")
                continue
            seen_services[service_id] = item.at
            self._add_service(item)
        # Services nested in an organization or a service-at-location document, unless the
        # import also has them on their own.
        for item in valid["organization"]:
            for i, service in enumerate(item.record.get("services", [])):
                record = {"organization_id": item.record["id"], **service}
                at = item.at.child(f"services/{i}", service.get("id"))
                if _uuid(service["id"]) not in self.ids["service"]:
                    self._add_service(_Item(record, at))
        for item in valid["service_at_location"]:
            self._collect_sal(item)

    def _add_service(self, item: _Item) -> None:
        self.ids["service"].add(_uuid(item.record["id"]))
        self.services.append(item)
        self._collect_service(item)

    def _collect_sal(self, item: _Item) -> None:
        record = item.record
        service = record.get("service")
        if isinstance(service, dict) and _uuid(service["id"]) not in self.ids["service"]:
            self._add_service(_Item(service, item.at.child("service", service.get("id"))))
        self.ids["service_at_location"].add(_uuid(record["id"]))
        for phone in record.get("phones", []):
            self.ids["phone"].add(_uuid(phone["id"]))
        if isinstance(record.get("location"), dict):
            self._collect_location(record["location"], item.at.child("location"))
        self._collect_attributes(record, item.at)
        self.sals.append(item)

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
            self.ids["unit"].add(_uuid(cap["unit"]["id"]))
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

    def reference(
        self, at: _At, name: str, kind: str, value: Any, *, optional: bool = False
    ) -> str | None:
        """`value` as an id of a `kind` in the import or the directory.

        Unknown: an issue (the object is not imported), except in a lenient import, where
        an `optional` reference is dropped with a warning and the object kept without it.
        """
        if value is None:
            return None
        ref = _uuid(value)
        if not self.known(kind, ref):
            if optional and self.lenient:
                self.warn(at, name, f"{_reference_error(kind, ref)}; dropped")
                return None
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
                values[key] = self.reference(at, key, kind, record.get(key), optional=True)
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
            try:
                into.add(
                    model, self.child(model, child, at.child(f"{key}/{i}", child.get("id")), owner)
                )
            except _Invalid:
                self.drop(_TABLE_OF[model], child.get("id"))

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
            aat = at.child(f"attributes/{i}", attr.get("id"))
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
