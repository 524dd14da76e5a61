"""Holds: one unit of a service's capacity kept for a referral while the provider answers.

Taking a unit is one conditional UPDATE (never below zero under any concurrency); the caps
on concurrent holds (per referrer, per referring organization) are checked under a lock
on the service row; giving a unit back never goes above the declared maximum.

A unit taken from a figure that is aging or stale ("1 bed open, updated 2 days ago") is
taken only with the caller's confirmation of that figure, checked when the unit is taken,
never on the client's word about what it saw; the hold records the figure's band and time.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Coalesce, Least

from lantern.accounts.models import Organization
from lantern.audit.services import audit_record
from lantern.core.api_errors import FieldError
from lantern.directory.freshness import FRESH, freshness
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


@dataclass(frozen=True)
class Figure:
    """A capacity figure as it stands when a unit would be taken from it: which capacity,
    how many it says are open, when the provider last set it and how old that is."""

    capacity_id: Any
    available: int
    unit: str
    updated: datetime
    band: str  # lantern.directory.freshness: fresh, aging or stale

    @property
    def old(self) -> bool:
        return self.band != FRESH

    def same_as(self, other: "Figure") -> bool:
        """The figure a confirmation was given for is still the one in place: same
        capacity, not set again since, not aged into another band. (The count may differ:
        other holds move it; what was confirmed is trusting a figure of that age.)"""
        return (
            str(self.capacity_id) == str(other.capacity_id)
            and self.updated == other.updated
            and self.band == other.band
        )


class OldFigure(Exception):
    """A hold would take a unit from an aging or stale figure and the caller did not
    confirm that figure (HTTP 409; the page asks the advocate to call first or confirm)."""

    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        super().__init__(
            f"the figure this hold would rely on was set at {figure.updated.isoformat()} "
            f"and is {figure.band}"
        )


# What a caller says about an old figure: False (nothing confirmed), True (any old figure
# as it stands now: the API's `confirm_old_figure`), or the one Figure the advocate was shown.
OldFigureConfirmation = bool | Figure


def _confirmed(figure: Figure, confirmation: OldFigureConfirmation) -> bool:
    if not figure.old or confirmation is True:
        return True
    return isinstance(confirmation, Figure) and figure.same_as(confirmation)


def take_unit(
    service: Service,
    capacity_id: Any,
    *,
    now: datetime,
    confirm_old_figure: OldFigureConfirmation = False,
) -> tuple[ServiceCapacity, Figure]:
    """Take one unit in a single conditional UPDATE: under any number of concurrent
    requests for the last unit, exactly one sees a row updated and `available` never goes
    below zero (the row lock serialises them; the condition is re-checked after the wait).

    Before each attempt the figure is read as it stands at `now`; an aging or stale one
    raises OldFigure unless `confirm_old_figure` covers it. Returns the capacity and the
    figure the unit was taken from."""
    capacities = ServiceCapacity.objects.filter(service=service)
    if capacity_id is not None:
        capacities = capacities.filter(pk=capacity_id)
        if not capacities.exists():
            raise FieldError("capacity_id", "not a capacity of this service")
    type_codes = [term.code for term in service.service_types.all()]
    for capacity in capacities.filter(available__gt=0).select_related("unit").order_by("id"):
        figure = Figure(
            capacity_id=capacity.pk,
            available=capacity.available,
            unit=capacity.unit.name,
            updated=capacity.updated,
            band=freshness(capacity.updated, now, type_codes),
        )
        if not _confirmed(figure, confirm_old_figure):
            raise OldFigure(figure)
        # Taking a unit leaves `updated` alone (a hold is not the provider setting the
        # figure). Should the provider set it between the read and the UPDATE, it is only
        # fresher than the figure checked and recorded, which errs on the careful side.
        taken = ServiceCapacity.objects.filter(pk=capacity.pk, available__gt=0).update(
            available=F("available") - 1
        )
        if taken:
            return ServiceCapacity.objects.get(pk=capacity.pk), figure
    raise NoUnitOpen


def figure_detail(hold: Hold | None) -> dict[str, str]:
    """For the audit event of a hold placed on an old figure: its band and when the
    provider last set it (no personal data); nothing for a fresh figure or no hold."""
    if hold is None or not hold.on_old_figure or hold.figure_updated_at is None:
        return {}
    return {
        "hold_figure": hold.figure_band,
        "figure_updated": hold.figure_updated_at.isoformat(),
    }


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
