"""Rendered HSDS documents for list pages, kept in Django's cache (Redis when deployed).

A page of services or service-at-locations is mostly the same JSON for every caller and
changes rarely; building it from the ORM costs a dozen queries and hundreds of model
instances. So each item's *public* rendering (as a caller who is no member of any owning
organization sees it) is cached, and a request does the rest:

- what changes all the time is never cached: `capacities` (their freshness moves with the
  clock) and the service's `last_modified` (bumped by every capacity update) are read fresh
  for the page in two queries;
- an item with a confidential location whose organization the caller belongs to is
  rendered for that caller, uncached, so members still see their exact address;
- any write to a directory table (signals, and `invalidate()` after bulk writes) moves the
  directory to a new *generation*, which all keys carry: stale entries are never read again
  and age out. The bump happens at once (for the writing transaction) and again on commit
  (for readers that rendered the old rows in between).

Nothing rendered inside a transaction of our own is stored: it could still roll back.
"""

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection, transaction

from lantern.accounts.selectors import hsds_organization_ids_of
from lantern.directory import pageload
from lantern.directory.hsds import (
    Viewer,
    capacity_json,
    distance_for_display,
    iso_ms,
    service_at_location_json,
    service_json,
    type_codes_of,
)
from lantern.directory.models import Location, Service, ServiceAtLocation, ServiceCapacity, Unit

M = TypeVar("M", Service, ServiceAtLocation)

GENERATION_KEY = "lantern:directory:generation"
KEY_PREFIX = "lantern:directory:doc"


class Place(NamedTuple):
    """What the location policy needs to decide how a distance is shown."""

    confidential: bool
    organization_id: str | None


class Entry(NamedTuple):
    doc: dict[str, Any]  # the public rendering, without capacities
    service_id: str
    type_codes: list[str]
    private_orgs: frozenset[str]  # organizations owning a confidential location in it
    place: Place | None = None  # a service-at-location's location


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        # A fresh start never reuses an earlier generation number.
        cache.add(GENERATION_KEY, time.time_ns())
        value = cache.get(GENERATION_KEY)
    return int(value)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # evicted or never set
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def invalidate() -> None:
    """Call after writes that bypass model signals (bulk_create, queryset.update)."""
    _bump()
    transaction.on_commit(_bump)


def _may_store() -> bool:
    """Only what committed rows show: not inside an atomic block of our own (a test's
    wrapping transaction is not ours)."""
    if not connection.in_atomic_block:
        return True
    return all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _key(gen: int, kind: str, item_id: Any) -> str:
    return f"{KEY_PREFIX}:{gen}:{kind}:{item_id}"


def cached_entries(
    kind: str, ids: Sequence[Any], build: Callable[[list[Any]], dict[Any, Entry]]
) -> dict[str, Entry]:
    """Entries for `ids`, building (and storing) the ones the cache does not hold."""
    gen = generation()
    keys = {str(i): _key(gen, kind, i) for i in ids}
    found = cache.get_many(list(keys.values()))
    entries = {i: found[k] for i, k in keys.items() if k in found}
    missing = [i for i in ids if str(i) not in entries]
    if missing:
        built = {str(i): e for i, e in build(missing).items()}
        entries.update(built)
        if _may_store():
            cache.set_many(
                {keys[i]: e for i, e in built.items()},
                timeout=settings.LANTERN_DIRECTORY_DOC_TTL,
            )
    return entries


def needs_own_rendering(entry: Entry, user: Any) -> bool:
    return bool(entry.private_orgs) and bool(entry.private_orgs & hsds_organization_ids_of(user))


class LiveState(NamedTuple):
    """What is read fresh for a page: capacities and `last_modified` per service."""

    capacities: dict[str, list[ServiceCapacity]]
    last_modified: dict[str, Any]


LIVE_FIELDS = (
    "id",
    "last_modified",
    "capacities__id",
    "capacities__unit_id",
    "capacities__available",
    "capacities__maximum",
    "capacities__description",
    "capacities__updated",
    "capacities__unit__name",
    "capacities__unit__scheme",
    "capacities__unit__identifier",
    "capacities__unit__uri",
)


def live_state(service_ids: Iterable[str]) -> LiveState:
    """One query (plain rows) for the capacities and `last_modified` of a page's services."""
    ids = sorted(set(service_ids))
    capacities: dict[str, list[ServiceCapacity]] = {i: [] for i in ids}
    modified: dict[str, Any] = {}
    if not ids:
        return LiveState(capacities, modified)
    rows = (
        Service.objects.filter(pk__in=ids)
        .values_list(*LIVE_FIELDS)
        .order_by("id", "capacities__id")
    )
    for (
        service_id,
        last_modified,
        cap_id,
        unit_id,
        available,
        maximum,
        description,
        updated,
        unit_name,
        unit_scheme,
        unit_identifier,
        unit_uri,
    ) in rows:
        key = str(service_id)
        modified[key] = last_modified
        if cap_id is None:
            continue
        cap = ServiceCapacity(
            id=cap_id,
            service_id=service_id,
            unit_id=unit_id,
            available=available,
            maximum=maximum,
            description=description,
            updated=updated,
        )
        cap.unit = Unit(
            id=unit_id, name=unit_name, scheme=unit_scheme, identifier=unit_identifier, uri=unit_uri
        )
        capacities[key].append(cap)
    return LiveState(capacities, modified)


def _private_orgs(locations: Iterable[Location]) -> frozenset[str]:
    return frozenset(
        str(loc.organization_id)
        for loc in locations
        if loc.confidential and loc.organization_id is not None
    )


def _load_services(ids: list[Any], viewer: Viewer) -> dict[Any, Service]:
    rows = pageload.services(ids)
    location_ids = [sal.location_id for s in rows.values() for sal in s.service_at_locations.all()]
    viewer.load_attributes(list(rows) + location_ids)
    return rows


def _load_service_at_locations(ids: list[Any], viewer: Viewer) -> dict[Any, ServiceAtLocation]:
    rows = pageload.service_at_locations(ids)
    viewer.load_attributes(
        [i for sal in rows.values() for i in (sal.id, sal.location_id, sal.service_id)]
    )
    return rows


def _service_entry(service: Service, viewer: Viewer) -> Entry:
    doc = service_json(service, viewer)
    doc.pop("capacities", None)
    locations = [sal.location for sal in service.service_at_locations.all()]
    return Entry(doc, str(service.id), type_codes_of(service), _private_orgs(locations))


def _service_at_location_entry(sal: ServiceAtLocation, viewer: Viewer) -> Entry:
    doc = service_at_location_json(sal, viewer)
    doc["service"].pop("capacities", None)
    loc = sal.location
    return Entry(
        doc,
        str(sal.service_id),
        type_codes_of(sal.service),
        _private_orgs([loc]),
        Place(loc.confidential, str(loc.organization_id) if loc.organization_id else None),
    )


def _with_live(service_doc: dict[str, Any], entry: Entry, live: LiveState, viewer: Viewer) -> None:
    service_doc["capacities"] = [
        capacity_json(cap, viewer, entry.type_codes)
        for cap in live.capacities.get(entry.service_id, [])
    ]
    modified = live.last_modified.get(entry.service_id)
    if modified is not None:
        service_doc["last_modified"] = iso_ms(modified)


def _service_of(row: Service | ServiceAtLocation) -> Service:
    return row if isinstance(row, Service) else row.service


class _Page(Generic[M]):
    """One page: cached public entries, plus the rows of items rendered for this caller."""

    def __init__(
        self,
        kind: str,
        ids: Sequence[Any],
        user: Any,
        load: Callable[[list[Any], Viewer], dict[Any, M]],
        make_entry: Callable[[M, Viewer], Entry],
    ) -> None:
        self.ids = [str(i) for i in ids]
        self.viewer = Viewer(user)
        # The caller's organizations, read whether or not this page holds a confidential
        # location (one query for a signed-in caller, cached on the user): a page's query
        # count does not depend on what happens to be on it.
        hsds_organization_ids_of(user)
        loaded: dict[str, M] = {}
        self.loaded: dict[str, M] = loaded

        def build(missing: list[Any]) -> dict[Any, Entry]:
            public = Viewer(AnonymousUser(), now=self.viewer.now)
            rows = load(missing, public)
            loaded.update((str(pk), row) for pk, row in rows.items())
            self.viewer.extra_attributes.update(public.extra_attributes)
            return {pk: make_entry(row, public) for pk, row in rows.items()}

        self.entries = cached_entries(kind, ids, build)
        own = [
            i for i in self.ids if i in self.entries and needs_own_rendering(self.entries[i], user)
        ]
        not_loaded = [i for i in own if i not in loaded]
        if not_loaded:
            loaded.update((str(pk), row) for pk, row in load(not_loaded, self.viewer).items())
        self.own_rows: dict[str, M] = {i: loaded[i] for i in own if i in loaded}
        # Capacities and last_modified: read fresh for the items that came from the cache;
        # the rows just loaded to build the others carry them already.
        built = {i for i in self.entries if i in loaded and i not in self.own_rows}
        self.live = live_state(
            e.service_id
            for i, e in self.entries.items()
            if i not in self.own_rows and i not in built
        )
        for i in built:
            service = _service_of(loaded[i])
            self.live.capacities[str(service.id)] = list(service.capacities.all())
            self.live.last_modified[str(service.id)] = service.last_modified


def render_services(ids: Sequence[Any], user: Any) -> list[dict[str, Any]]:
    """HSDS services for a page, in the order of `ids`, as `user` may see them."""
    page = _Page("service", ids, user, _load_services, _service_entry)
    docs: list[dict[str, Any]] = []
    for i in page.ids:
        if i in page.own_rows:
            docs.append(service_json(page.own_rows[i], page.viewer))
        elif i in page.entries:  # else deleted since the page was counted
            doc = dict(page.entries[i].doc)
            _with_live(doc, page.entries[i], page.live, page.viewer)
            docs.append(doc)
    return docs


def render_service_at_locations(
    ids: Sequence[Any], user: Any, distances: dict[Any, float]
) -> list[dict[str, Any]]:
    """HSDS service-at-locations for a page, in the order of `ids`, with the distance
    (km) each is shown at: exact to members, rounded for an outsider's confidential one."""
    page = _Page(
        "service_at_location", ids, user, _load_service_at_locations, _service_at_location_entry
    )
    distance_by_id = {str(k): v for k, v in distances.items()}
    docs: list[dict[str, Any]] = []
    for i in page.ids:
        if i in page.own_rows:
            docs.append(
                service_at_location_json(page.own_rows[i], page.viewer, distance_by_id.get(i))
            )
            continue
        entry = page.entries.get(i)
        if entry is None:
            continue
        doc = dict(entry.doc)
        doc["service"] = dict(doc["service"])
        _with_live(doc["service"], entry, page.live, page.viewer)
        if i in distance_by_id and entry.place is not None:
            doc["distance_km"] = distance_for_display(distance_by_id[i], entry.place, page.viewer)
        docs.append(doc)
    return docs
