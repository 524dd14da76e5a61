"""HSDS import, the phases: validate everything, then write it all in one transaction."""

from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction

from lantern.audit.services import audit_record
from lantern.directory import signals
from lantern.directory.hsds_io.export import _batches
from lantern.directory.hsds_io.reading import (
    _PROFILE_TAXONOMY_IDS,
    _WRITE_CHUNK,
    ImportReport,
    Reading,
    _At,
    _Invalid,
    _Item,
    _Reader,
    _uuid,
)
from lantern.directory.hsds_io.schemas import SchemaUnavailable
from lantern.directory.hsds_io.sources import read_path
from lantern.directory.hsds_io.writing import _Batch
from lantern.directory.models import (
    Address,
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
    SERVICE_TYPE_BY_CODE,
    TAXONOMIES,
    TERMS_BY_ID,
    ProfileValueError,
    parse_location_attributes,
    parse_service_attributes,
)
from lantern.directory.services import location_protect

# What an outsider's rendering of a confidential location leaves out.
_REDACTED_LOCATION_KEYS = ("latitude", "longitude", "addresses")


class _Importer(_Reader):
    """Writes what `_Reader` validated: every phase in one transaction."""

    # -- phases ---------------------------------------------------------------------------

    def run(self, reading: Reading, *, actor: Any = None) -> ImportReport:
        sources = self.take(reading)
        if sources:
            try:
                self.collect(sources)
            except SchemaUnavailable as err:
                self.issue(_At("schemas", None, None), "", str(err))
                return self.finish()
        if not sources:
            return self.finish()
        try:
            with transaction.atomic():
                self.import_all()
                if not self.writing:
                    transaction.set_rollback(True)
                else:
                    # Bulk writes send no model signals. Read models (document cache, match
                    # index) rebuild once for the whole import, not after every chunk.
                    signals.bulk_written.send(sender=Service)
                    audit_record(
                        actor=actor,
                        actor_label=None if actor is not None else "system:import",
                        action="hsds.import",
                        object_type="directory",
                        object_id="hsds",
                        detail={
                            "counts": dict(self.counts),
                            "created": dict(self.created),
                            "mode": "lenient" if self.lenient else "strict",
                            "skipped": len(self.report.issues),
                            "references_dropped": len(self.report.warnings),
                        },
                    )
                    self.report.written = True
        except DatabaseError as err:
            # Deferred constraints are checked at commit; the whole import is rolled back.
            self.issue(_At("database", None, None), "", f"rejected by the database: {err}")
            self.report.written = False
        return self.finish()

    def finish(self) -> ImportReport:
        if not self.report.written:
            self.counts.clear()
            self.created.clear()
        self.report.counts = dict(sorted(self.counts.items()))
        self.report.created = dict(sorted(self.created.items()))
        self.report.notes += [
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
                try:
                    values = self.values(Taxonomy, item.record)
                    batch.add(Taxonomy, self.build(Taxonomy, values, item.at))
                except _Invalid:
                    self.drop("taxonomy", item.record["id"])
            batch.flush()
        terms = [i for i in self.terms.values() if _uuid(i.record["id"]) not in TERMS_BY_ID]
        for chunk in _batches(terms, _WRITE_CHUNK):
            for item in chunk:
                try:
                    batch.add(TaxonomyTerm, self.term(item))
                except _Invalid:
                    self.drop("taxonomy_term", item.record["id"])
            batch.flush()
        for chunk in _batches(self.orgs.values(), _WRITE_CHUNK):
            for item in chunk:
                self.organization(item, batch)
            batch.flush()
        for chunk in _batches(self.units.values(), _WRITE_CHUNK):
            for item in chunk:
                self.note_ignored("unit", item.record)
                try:
                    batch.add(Unit, self.build(Unit, self.values(Unit, item.record), item.at))
                except _Invalid:
                    self.drop("unit", item.record["id"])
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
        for chunk in _batches(self.sals, _WRITE_CHUNK):
            for item in chunk:
                self.loose_service_at_location(item, batch)
            batch.flush()

    def term(self, item: _Item) -> TaxonomyTerm:
        record, at = item.record, item.at
        self.note_ignored("taxonomy_term", record)
        values = self.values(TaxonomyTerm, record)
        values["taxonomy_detail_id"] = self.reference(
            at, "taxonomy_id", "taxonomy", record.get("taxonomy_id"), optional=True
        )
        values["parent_id"] = self.reference(
            at, "parent_id", "taxonomy_term", record.get("parent_id"), optional=True
        )
        return self.build(TaxonomyTerm, values, at)

    def organization(self, item: _Item, batch: "_Batch") -> None:
        record, at = item.record, item.at
        org_id = _uuid(record["id"])
        self.note_ignored("organization", record)
        try:
            values = self.values(Organization, record)
            values["parent_organization_id"] = self.reference(
                at,
                "parent_organization_id",
                "organization",
                record.get("parent_organization_id"),
                optional=True,
            )
            batch.add(Organization, self.build(Organization, values, at), stamp=True)
        except _Invalid:
            self.drop("organization", org_id)
            batch = batch.discard()
        self.children(Phone, record, "phones", at, ("organization_id", org_id), batch)
        self.attributes(record, at, org_id, "organization", batch)
        batch.drop_if_held()

    def location(self, item: _Item, existing: Location | None, batch: "_Batch") -> None:
        record, at = item.record, item.at
        location_id = _uuid(record["id"])
        self.note_ignored("location", record)
        own = batch.discard()  # the location's attributes wait until the location is valid
        lantern = self.attributes(record, at, location_id, "location", own)
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
            # Every problem of the location is reported, not only the first.
            out_of_range = False
            for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
                coordinate = values.get(name)
                if coordinate is not None and not low <= coordinate <= high:
                    self.issue(at, name, f"must be between {low} and {high}, got {coordinate}")
                    out_of_range = True
            values["organization_id"] = self.reference(
                at, "organization_id", "organization", record.get("organization_id"), optional=True
            )
            if out_of_range:
                raise _Invalid
            values["area"] = profile.get("area", "")
            # Never un-hide a safe house because a feed says nothing: only an explicit
            # "false" makes a confidential location public.
            values["confidential"] = profile.get(
                "confidential", existing.confidential if existing else False
            )
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
            own.move_into(batch)
        except _Invalid:
            self.drop("location", location_id)
            batch = batch.discard()
        owner = ("location_id", location_id)
        self.children(Address, record, "addresses", at, owner, batch)
        self.children(Phone, record, "phones", at, owner, batch)
        self.children(Schedule, record, "schedules", at, owner, batch)
        self.children(Language, record, "languages", at, owner, batch)
        batch.drop_if_held()

    def service(self, item: _Item, batch: "_Batch") -> None:
        record, at = item.record, item.at
        service_id = _uuid(record["id"])
        self.note_ignored("service", record)
        owner = ("service_id", service_id)
        own = batch.discard()  # the service's attributes wait until the service is valid
        lantern = self.attributes(record, at, service_id, "service", own)
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
            own.move_into(batch)
        except _Invalid:
            self.drop("service", service_id)
            batch = batch.discard()
        if "capacities" in record:
            batch.replace(ServiceCapacity, "service_id", service_id)
            for i, cap in enumerate(record["capacities"]):
                cat = at.child(f"capacities/{i}", cap.get("id"))
                try:
                    batch.add(ServiceCapacity, self.capacity(cap, cat, service_id))
                except _Invalid:
                    self.drop("service_capacity", cap.get("id"))
        self.children(Language, record, "languages", at, owner, batch)
        self.children(Phone, record, "phones", at, owner, batch)
        self.children(Schedule, record, "schedules", at, owner, batch)
        if "service_at_locations" in record:
            batch.replace(ServiceAtLocation, "service_id", service_id)
            for i, sal in enumerate(record["service_at_locations"]):
                self.service_at_location(
                    sal, at.child(f"service_at_locations/{i}", sal.get("id")), service_id, batch
                )
        batch.drop_if_held()

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
        self.reference(at, "unit", "unit", unit_id)
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
        own = batch.discard()  # its phones, schedules, attributes wait until it is valid
        self.attributes(record, at, sal_id, "service_at_location", own)
        self.children(Phone, record, "phones", at, owner, own)
        self.children(Schedule, record, "schedules", at, owner, own)
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
            own.move_into(batch)
        except _Invalid:
            self.drop("service_at_location", sal_id)
            own.drop_if_held()

    def loose_service_at_location(self, item: _Item, batch: "_Batch") -> None:
        """A service-at-location document: its service's other locations are left alone."""
        record, at = item.record, item.at
        nested = record.get("service")
        service_id = record.get("service_id") or (
            nested.get("id") if isinstance(nested, dict) else None
        )
        if service_id is None:
            self.issue(at, "service_id", "required: the service given at this location")
            self.drop("service_at_location", record["id"])
            return
        try:
            service_id = self.reference(at, "service_id", "service", service_id)
        except _Invalid:
            self.drop("service_at_location", record["id"])
            return
        assert service_id is not None  # noqa: S101 - not None above
        self.service_at_location(record, at, service_id, batch)


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


# A lenient import drops what cannot be imported, then what pointed at it, and so on.
_LENIENT_PASSES = 10


def hsds_import(
    *,
    path: Path | None = None,
    reading: Reading | None = None,
    lenient: bool = False,
    actor: Any = None,
) -> ImportReport:
    """Import any HSDS 3.1 shape from `path` (or an already read input); see the module doc.

    Strict (the default): one issue anywhere and nothing is written. Lenient: every object
    that cannot be imported is skipped (and reported), an optional reference to something
    that is not there is dropped with a warning, and the rest is written. Skipping one
    object can leave another pointing at nothing, so lenient trial runs (nothing written)
    repeat until the set of skipped objects stops growing; the last run writes.
    """
    if reading is None:
        if path is None:
            raise TypeError("hsds_import needs a path or a reading")
        reading = read_path(Path(path))
    if not lenient:
        return _Importer().run(reading, actor=actor)
    excluded: dict[str, set[str]] = {}
    for _ in range(_LENIENT_PASSES):
        trial = _Importer(lenient=True, excluded=excluded, dry_run=True)
        trial.run(reading)
        failed = trial.failed()
        grown = {k: excluded.get(k, set()) | failed.get(k, set()) for k in excluded | failed}
        if grown == excluded:
            break
        excluded = grown
    return _Importer(lenient=True, excluded=excluded).run(reading, actor=actor)
