"""A page of services or service-at-locations, with everything `hsds.py` nests in them.

The rows are model instances, as `selectors.services_full()` gives them, but loaded without
`prefetch_related`: for a cold page of 20 services that builds a queryset and a related
manager for every row and every relation (some 200 querysets, 500 managers), which cost
more than the queries themselves (bench/README.md). Here each table is read once for the
whole page, and a table whose rows hang under several kinds of parent (languages, phones,
schedules: services, locations and service-at-locations) is read once for all of them.
The children are grouped by parent id in Python and handed to each parent where a prefetch
would have put them, so `service.phones.all()` and the like read them without a query.

No child points back to its parent, so a rendered page is freed by reference counting as
soon as it is dropped: it leaves no cyclic garbage for a full collection to find.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from lantern.directory.models import (
    Address,
    Language,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)

M = TypeVar("M", bound=Model)


def _group(pairs: Iterable[tuple[Any, Any]]) -> dict[Any, list[Any]]:
    """(parent id, child) pairs as lists of children by parent id, in the pairs' order."""
    groups: dict[Any, list[Any]] = defaultdict(list)
    for parent_id, child in pairs:
        if parent_id is not None:
            groups[parent_id].append(child)
    return groups


def _attach(parents: Iterable[Model], name: str, groups: dict[Any, list[Any]]) -> None:
    """Give each parent its children as if `prefetch_related(name)` had loaded them: the
    related manager `name` reads `_prefetched_objects_cache[name]` before it would query
    (a list stands in for the prefetched queryset; rendering only iterates it)."""
    for parent in parents:
        parent.__dict__.setdefault("_prefetched_objects_cache", {})[name] = groups.get(
            parent.pk, []
        )


def _nest(parents: Iterable[Model], name: str, children: Iterable[Any], key: str) -> None:
    """Children whose column `key` holds a parent's id, under `name`, in query order."""
    _attach(parents, name, _group((getattr(child, key), child) for child in children))


def _owned_by(model: type[M], **parent_ids: Sequence[Any]) -> QuerySet[M]:
    """Rows of `model` (in its default order) under any of the parents given by column, as
    `service_id=[...], location_id=[...]`: one query, whatever the kinds of parent."""
    q = Q()
    for column, ids in parent_ids.items():
        if ids:
            q |= Q(**{f"{column}__in": ids})
    if not q:
        return model._default_manager.none()
    return model._default_manager.filter(q)


def _load_service_parts(services: Sequence[Service]) -> None:
    """Capacities (with their units) and service types of `services`."""
    ids = list({s.pk for s in services})
    capacities = ServiceCapacity.objects.filter(service_id__in=ids).select_related("unit")
    _nest(services, "capacities", capacities.order_by("id"), "service_id")
    # Rendering reads a type's code only (terms built from two columns, not full rows), in
    # the terms' default order, as the prefetched relation gave them.
    term_order = [f"taxonomyterm__{field}" for field in TaxonomyTerm._meta.ordering or ()]
    types = (
        Service.service_types.through.objects.filter(service_id__in=ids)
        .order_by(*term_order, "taxonomyterm_id")
        .values_list("service_id", "taxonomyterm_id", "taxonomyterm__code")
    )
    groups = _group(
        (service_id, TaxonomyTerm(id=term_id, code=code)) for service_id, term_id, code in types
    )
    _attach(services, "service_types", groups)


def _load_shared_children(
    services: Sequence[Service],
    locations: Sequence[Location],
    sals: Sequence[ServiceAtLocation] = (),
) -> None:
    """The locations' addresses, and the languages, phones and schedules of all three kinds
    of parent: one query per table."""
    service_ids = list({s.pk for s in services})
    location_ids = list({loc.pk for loc in locations})
    sal_ids = list({sal.pk for sal in sals})
    addresses = Address.objects.filter(location_id__in=location_ids).order_by("id")
    _nest(locations, "addresses", addresses, "location_id")
    # A row may belong to a service and a location at once: it is listed under both.
    languages = list(_owned_by(Language, service_id=service_ids, location_id=location_ids))
    _nest(services, "languages", languages, "service_id")
    _nest(locations, "languages", languages, "location_id")
    for model, name in ((Phone, "phones"), (Schedule, "schedules")):
        rows = list(
            _owned_by(
                model,
                service_id=service_ids,
                location_id=location_ids,
                service_at_location_id=sal_ids,
            )
        )
        _nest(services, name, rows, "service_id")
        _nest(locations, name, rows, "location_id")
        _nest(sals, name, rows, "service_at_location_id")


def services(ids: Sequence[Any]) -> dict[Any, Service]:
    """Services by id, with their organization, capacities, languages, phones, schedules,
    types and service-at-locations (each with its location and what that nests)."""
    rows = Service.objects.select_related("organization").in_bulk(ids)
    found = list(rows.values())
    sals = ServiceAtLocation.objects.filter(service_id__in=list(rows)).select_related("location")
    sal_rows = list(sals.order_by("id"))
    _nest(found, "service_at_locations", sal_rows, "service_id")
    _load_service_parts(found)
    _load_shared_children(found, [sal.location for sal in sal_rows])
    return rows


def service_at_locations(ids: Sequence[Any]) -> dict[Any, ServiceAtLocation]:
    """Service-at-locations by id, with their phones and schedules, their location (and what
    it nests) and their service (and what it nests, but its service-at-locations)."""
    rows = ServiceAtLocation.objects.select_related(
        "location", "service", "service__organization"
    ).in_bulk(ids)
    sals = list(rows.values())
    services = [sal.service for sal in sals]
    _load_service_parts(services)
    _load_shared_children(services, [sal.location for sal in sals], sals)
    return rows
