"""Holds: one unit of a service's capacity kept for a referral while the provider answers.

Taking a unit is one conditional UPDATE (never below zero under any concurrency); the caps
on concurrent holds (per referrer, per referring organization) are checked under a lock
on the service row; giving a unit back never goes above the declared maximum.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Coalesce, Least

from lantern.accounts.models import Organization
from lantern.audit.services import audit_record
from lantern.core.api_errors import FieldError
from lantern.directory.models import Service, ServiceCapacity
from lantern.referrals.models import Hold, HoldState


class NoUnitOpen(Exception):
    """A hold was asked for and no unit of the service is open (HTTP 409)."""


class HoldLimitReached(Exception):
    """A hold was asked for and the referrer (or their organization) already holds as many
    places of this service as allowed (HTTP 409). `reason` says which limit."""

    def __init__(self, reason: str, limit: int) -> None:
        self.reason = reason  # "referrer" or "organization"
        self.limit = limit
        who = "you hold" if reason == "referrer" else "your organization holds"
        super().__init__(
            f"{who} {limit} place(s) of this service already, the most allowed at once; "
            "send without a hold or wait for an answer"
        )


class HoldNotActive(Exception):
    """Release asked for a referral without an active hold (HTTP 409)."""


def take_unit(service: Service, capacity_id: Any) -> ServiceCapacity:
    """Take one unit in a single conditional UPDATE: under any number of concurrent
    requests for the last unit, exactly one sees a row updated and `available` never goes
    below zero (the row lock serialises them; the condition is re-checked after the wait)."""
    capacities = ServiceCapacity.objects.filter(service=service)
    if capacity_id is not None:
        capacities = capacities.filter(pk=capacity_id)
        if not capacities.exists():
            raise FieldError("capacity_id", "not a capacity of this service")
    for capacity_pk in (
        capacities.filter(available__gt=0).order_by("id").values_list("pk", flat=True)
    ):
        taken = ServiceCapacity.objects.filter(pk=capacity_pk, available__gt=0).update(
            available=F("available") - 1
        )
        if taken:
            return ServiceCapacity.objects.get(pk=capacity_pk)
    raise NoUnitOpen


def hold_limits(service: Service) -> tuple[int, int]:
    """(per referrer, per referring organization) concurrent active holds on `service`.

    The organization's share is a percentage (`LANTERN_REFERRAL_HOLDS_ORGANIZATION_PERCENT`,
    by default one half) of the service's places (the declared maxima; a capacity without
    one counts what it has open plus what is held), at least 1."""
    places = 0
    for capacity in ServiceCapacity.objects.filter(service=service):
        if capacity.maximum is not None:
            places += capacity.maximum
        else:
            held = Hold.objects.filter(capacity=capacity, state=HoldState.ACTIVE).count()
            places += capacity.available + held
    percent = settings.LANTERN_REFERRAL_HOLDS_ORGANIZATION_PERCENT
    return settings.LANTERN_REFERRAL_HOLDS_PER_REFERRER, max(1, places * percent // 100)


def check_hold_limits(service: Service, *, actor: Any, referring: Organization) -> None:
    """Refuse a hold beyond the caps. The service row is locked first (every hold of the
    service takes this lock), so two requests cannot both pass the count on PostgreSQL;
    SQLite serialises writers anyway."""
    Service.objects.select_for_update().filter(pk=service.pk).first()
    per_referrer, per_organization = hold_limits(service)
    active = Hold.objects.filter(state=HoldState.ACTIVE, capacity__service=service)
    if active.filter(referral__referred_by=actor).count() >= per_referrer:
        raise HoldLimitReached("referrer", per_referrer)
    if active.filter(referral__referring_organization=referring).count() >= per_organization:
        raise HoldLimitReached("organization", per_organization)


def give_back(hold: Hold, *, reason: str, now: datetime, actor: Any = None) -> None:
    """Return the held unit (never above the declared maximum) and end the hold."""
    ServiceCapacity.objects.filter(pk=hold.capacity_id).update(
        available=Least(F("available") + 1, Coalesce(F("maximum"), F("available") + 1))
    )
    hold.state = HoldState.RELEASED
    hold.ended_at = now
    hold.end_reason = reason
    hold.save(update_fields=["state", "ended_at", "end_reason"])
    audit_record(
        actor=actor,
        actor_label=None if actor is not None else "system",
        action="hold.release",
        object_type="hold",
        object_id=hold.pk,
        detail={"referral": str(hold.referral_id), "reason": reason},
    )
