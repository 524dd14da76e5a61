"""Writes for the directory. Each checks, validates, writes and audits in one transaction."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from lantern.audit.services import audit_record
from lantern.core import geo
from lantern.core.errors import NotFound
from lantern.directory import policy
from lantern.directory.models import Location, Metadata, Service, ServiceCapacity


class CapacityError(ValueError):
    """A capacity value that does not fit; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CapacityChange:
    capacity: ServiceCapacity
    changed_fields: list[str]


_UNSET: Any = object()


def _actor_name(actor: Any, via: str | None) -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor.email
    return via or "system"


@transaction.atomic
def capacity_set(
    *,
    capacity: ServiceCapacity,
    actor: Any,
    available: int | None = None,
    delta: int | None = None,
    maximum: int | None = _UNSET,
    description: str | None = None,
    via: str = "web",
    check_permission: bool = True,
) -> CapacityChange:
    """Set (or adjust by `delta`) a capacity; record metadata and an audit event.

    The row is locked while it changes, so two taps of "-1" at once give -2, not -1.
    `updated` is set to now even when the number is unchanged: confirming "still 3 beds"
    is what keeps a listing fresh. `check_permission=False` is for callers that have
    already proved authority another way (a signed one-tap link).
    """
    if check_permission and not policy.may_update_capacity(actor, capacity.service):
        raise NotFound
    locked = ServiceCapacity.objects.select_for_update().get(pk=capacity.pk)
    # The service and unit the caller loaded are the same rows (a capacity never moves):
    # keep them on the locked copy, so rendering the result reads neither again.
    for relation in (ServiceCapacity.service, ServiceCapacity.unit):
        if relation.is_cached(capacity):
            setattr(locked, relation.field.name, getattr(capacity, relation.field.name))
    before = {
        "available": locked.available,
        "maximum": locked.maximum,
        "description": locked.description,
    }

    new_maximum = locked.maximum if maximum is _UNSET else maximum
    if new_maximum is not None and new_maximum < 0:
        raise CapacityError("maximum", "must be zero or more")
    if delta is not None:
        new_available = locked.available + delta
        if new_maximum is not None:
            new_available = min(new_available, new_maximum)
        new_available = max(new_available, 0)
    elif available is not None:
        new_available = available
    else:
        new_available = locked.available
    if new_available < 0:
        raise CapacityError("available", "must be zero or more")
    if new_maximum is not None and new_available > new_maximum:
        raise CapacityError("available", f"must not be more than maximum ({new_maximum})")

    now = timezone.now()
    locked.available = new_available
    locked.maximum = new_maximum
    if description is not None:
        locked.description = description
    locked.updated = now
    locked.save(update_fields=["available", "maximum", "description", "updated"])
    Service.objects.filter(pk=locked.service_id).update(last_modified=now)

    after = {
        "available": locked.available,
        "maximum": locked.maximum,
        "description": locked.description,
    }
    changed = [field for field in before if before[field] != after[field]]
    who = _actor_name(actor, via)
    Metadata.objects.bulk_create(
        [
            Metadata(
                resource_id=locked.pk,
                resource_type="service_capacity",
                last_action_date=now,
                last_action_type="update",
                field_name=field,
                previous_value="" if before[field] is None else str(before[field]),
                replacement_value="" if after[field] is None else str(after[field]),
                updated_by=who,
            )
            for field in (changed or ["available"])
        ]
    )
    audit_record(
        actor=actor,
        actor_label=None if getattr(actor, "is_authenticated", False) else f"link:{via}",
        action="capacity.update",
        object_type="service_capacity",
        object_id=locked.pk,
        detail={
            "service_id": str(locked.service_id),
            "via": via,
            "changes": {f: [before[f], after[f]] for f in changed if f != "description"},
            "confirmed_only": not changed,
        },
    )
    return CapacityChange(capacity=locked, changed_fields=changed)


@transaction.atomic
def service_assure(*, service: Service, actor: Any, assured_on: date | None = None) -> Service:
    """Mark a listing as verified today by the acting coalition admin or provider."""
    service.assured_date = assured_on or timezone.localdate()
    service.assurer_email = actor.email
    service.last_modified = timezone.now()
    service.save(update_fields=["assured_date", "assurer_email", "last_modified"])
    audit_record(
        actor=actor,
        action="service.assure",
        object_type="service",
        object_id=service.pk,
        detail={"assured_date": service.assured_date.isoformat()},
    )
    return service


def location_protect(location: Location) -> None:
    """Derive the coarse point used for outsiders' distance filters (call before saving)."""
    if location.latitude is not None and location.longitude is not None:
        location.coarse_latitude, location.coarse_longitude = geo.coarse_point(
            location.latitude, location.longitude
        )
    else:
        location.coarse_latitude = location.coarse_longitude = None
