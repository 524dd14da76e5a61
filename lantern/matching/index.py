"""Keeping the match index (`MatchEntry`, `MatchPoint`) in step with the directory.

`reindex(service_ids)` rebuilds the entries of those services from the directory tables in a
fixed number of queries per batch; `reindex()` rebuilds every entry. Model signals call it
for each write that changes what matching reads, inside the writing transaction, so the index
commits or rolls back with the write. Writers that send no signals (bulk_create,
queryset.update: the demo seed and the HSDS import) call it themselves.
`lantern matching reindex` rebuilds everything by hand.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save

from lantern.directory.models import (
    Attribute,
    Language,
    Location,
    LocationType,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
)
from lantern.matching.engine import PREFERENCE_TAGS
from lantern.matching.models import MatchData, MatchEntry, MatchPoint

BATCH = 2000
RULE_FIELDS = (
    "name",
    "minimum_age",
    "maximum_age",
    "genders_served",
    "accepts_children",
    "max_children",
    "accepts_pets",
    "trafficking_types_served",
    "wheelchair_accessible",
    "accepts_active_substance_use",
    "requires_id_documents",
)


def reindex(service_ids: Iterable[Any] | None = None) -> int:
    """Rebuild the entries of these services (all when None); returns how many exist now."""
    if service_ids is None:
        ids: Sequence[Any] = list(Service.objects.order_by("pk").values_list("pk", flat=True))
        with transaction.atomic():
            MatchEntry.objects.exclude(service_id__in=Service.objects.values("pk")).delete()
            return sum(_rebuild(ids[i : i + BATCH]) for i in range(0, len(ids), BATCH))
    ids = sorted({str(i) for i in service_ids if i is not None})
    with transaction.atomic():
        return sum(_rebuild(ids[i : i + BATCH]) for i in range(0, len(ids), BATCH))


def _rebuild(ids: Sequence[Any]) -> int:
    rows = {
        row["id"]: row
        for row in Service.objects.filter(pk__in=ids).values("id", "status", *RULE_FIELDS)
    }
    types: dict[Any, set[str]] = defaultdict(set)
    for service_id, code in Service.service_types.through.objects.filter(
        service_id__in=ids
    ).values_list("service_id", "taxonomyterm__code"):
        types[service_id].add(code)
    languages: dict[Any, set[str]] = defaultdict(set)
    for service_id, code in Language.objects.filter(service_id__in=ids).values_list(
        "service_id", "code"
    ):
        if code:
            languages[service_id].add(code.lower())
    tags: dict[str, set[str]] = defaultdict(set)
    for link_id, code in Attribute.objects.filter(
        link_id__in=ids, taxonomy_term__code__in=list(PREFERENCE_TAGS)
    ).values_list("link_id", "taxonomy_term__code"):
        tags[str(link_id)].add(code)
    points: dict[Any, list[list[Any]]] = defaultdict(list)
    for service_id, lat, lon, coarse_lat, coarse_lon, confidential, org_id in (
        ServiceAtLocation.objects.filter(
            service_id__in=ids,
            location__location_type=LocationType.PHYSICAL,
            location__latitude__isnull=False,
            location__longitude__isnull=False,
        )
        .order_by("service_id", "location_id")
        .values_list(
            "service_id",
            "location__latitude",
            "location__longitude",
            "location__coarse_latitude",
            "location__coarse_longitude",
            "location__confidential",
            "location__organization_id",
        )
    ):
        points[service_id].append(
            [lat, lon, coarse_lat, coarse_lon, confidential, str(org_id) if org_id else None]
        )
    entries = []
    payloads = []
    box: list[MatchPoint] = []
    for pk, row in rows.items():
        entry_points = points.get(pk, [])
        lists = {
            "service_types": sorted(types.get(pk, ())),
            "languages": sorted(languages.get(pk, ())),
            "tags": sorted(tags.get(str(pk), ())),
            "points": entry_points,
        }
        rules = {name: row[name] for name in RULE_FIELDS}
        entries.append(
            MatchEntry(
                service_id=pk,
                active=row["status"] == ServiceStatus.ACTIVE,
                **rules,
                **lists,
                placed=bool(entry_points),
                name_key=row["name"].casefold(),
            )
        )
        payloads.append(MatchData(entry_id=pk, data=orjson.dumps({**rules, **lists}).decode()))
        for lat, lon, coarse_lat, coarse_lon, *_ in entry_points:
            box.append(MatchPoint(entry_id=pk, latitude=lat, longitude=lon))
            if coarse_lat is not None and coarse_lon is not None:
                box.append(MatchPoint(entry_id=pk, latitude=coarse_lat, longitude=coarse_lon))
    MatchEntry.objects.filter(service_id__in=ids).delete()  # cascades to points and data
    MatchEntry.objects.bulk_create(entries)
    MatchData.objects.bulk_create(payloads)
    MatchPoint.objects.bulk_create(box)
    # A statement of its own, after the entries exist: it sees every capacity write
    # committed so far (see `triggers`), and the triggers keep the value from here on.
    MatchEntry.objects.filter(service_id__in=ids).update(
        open_updated=Subquery(
            ServiceCapacity.objects.filter(service_id=OuterRef("service_id"), available__gt=0)
            .values("service_id")
            .annotate(newest=Max("updated"))
            .values("newest")
        )
    )
    return len(entries)


# --- signals ------------------------------------------------------------------------------


def _services_of(sender: Any, instance: Any) -> list[Any]:
    if sender is Service:
        return [instance.pk]
    if sender is Language:
        return [instance.service_id]
    if sender is ServiceAtLocation:
        return [instance.service_id]
    if sender is Location:
        return list(
            ServiceAtLocation.objects.filter(location_id=instance.pk).values_list(
                "service_id", flat=True
            )
        )
    if sender is Attribute:
        return [instance.link_id] if instance.link_entity == "service" else []
    return []


def _saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    reindex(_services_of(sender, instance))


def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if sender is Service:
        return  # the entry goes with it (on_delete=CASCADE)
    reindex(_services_of(sender, instance))


def _types_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action.startswith("post_"):
        reindex([instance.pk])


def connect() -> None:
    for model in (Service, Language, Location, ServiceAtLocation, Attribute):
        post_save.connect(_saved, sender=model, dispatch_uid=f"match-index-save-{model.__name__}")
        post_delete.connect(
            _deleted, sender=model, dispatch_uid=f"match-index-delete-{model.__name__}"
        )
    m2m_changed.connect(
        _types_changed, sender=Service.service_types.through, dispatch_uid="match-index-types"
    )
