"""HSDS import, the writes: rows upserted chunk by chunk, in dependency order."""

import uuid
from typing import Any

from django.db import DatabaseError, models, transaction

from lantern.directory.hsds_io.reading import _TABLE_OF, _At, _Reader
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

    def __init__(self, importer: _Reader, *, held: bool = False) -> None:
        self.importer = importer
        # A held batch keeps what belongs to an object not yet known to be valid: moved into
        # the real batch once it is, or dropped (and so reported as not imported) if not.
        self.held = held
        self.clear()

    def discard(self) -> "_Batch":
        return _Batch(self.importer, held=True)

    def move_into(self, batch: "_Batch") -> None:
        for model, rows in self.rows.items():
            for pk, obj in rows.items():
                batch.add(model, obj, stamp=pk in self.stamped)
        for key, owners in self.replaced.items():
            batch.replaced.setdefault(key, set()).update(owners)
        batch.types.update(self.types)
        self.clear()

    def drop_if_held(self) -> None:
        if not self.held:
            return
        for model, rows in self.rows.items():
            for pk in rows:
                self.importer.drop(_TABLE_OF[model], pk)
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
        if not self.held:
            self.importer.added.setdefault(_TABLE_OF[model], set()).add(str(obj.pk))

    def replace(self, model: type[models.Model], owner_key: str, owner_id: str) -> None:
        """The import lists every `model` row of this owner: others are deleted."""
        self.replaced.setdefault((model, owner_key), set()).add(owner_id)

    def flush(self) -> None:
        importer = self.importer
        if not importer.writing or self.held:
            self.clear()
            return
        try:
            with transaction.atomic():
                self._write()
        except DatabaseError as err:
            importer.issue(_At("database", None, None), "", f"rejected by the database: {err}")
        self.clear()

    def _write(self) -> None:
        importer = self.importer
        # Deletes first, so a replaced service-at-location frees its (service, location) pair.
        for (model, owner_key), owner_ids in self.replaced.items():
            # A lenient import keeps the stored version of a row whose new one was skipped.
            keep = list(self.rows[model]) + sorted(importer.dropped.get(_TABLE_OF[model], ()))
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
