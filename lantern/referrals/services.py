"""Writes for referrals: create (with an optional hold), status changes, holds, the timer
tick (reminders, escalation, expiry, hold release) and the purge of personal items.

Every write runs in one transaction with its audit event, so a crash between steps never
leaves a hold without its referral or a referral that lost its hold. Notifications are
handed to the task backend only after the transaction commits.
"""

import dataclasses
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.models import Organization, Role
from lantern.audit.services import audit_record
from lantern.consent.models import Category
from lantern.consent.services import consent_attach, consent_record
from lantern.core.api_errors import FieldError
from lantern.core.bounds import check_within
from lantern.core.errors import NotFound
from lantern.directory.models import Service, ServiceStatus
from lantern.notify.services import notify_organization_staff, notify_users
from lantern.referrals import holds, policy, states
from lantern.referrals.holds import HoldLimitReached as HoldLimitReached
from lantern.referrals.holds import HoldNotActive
from lantern.referrals.holds import NoUnitOpen as NoUnitOpen
from lantern.referrals.holds import OldFigure as OldFigure
from lantern.referrals.models import DeclineReason, Hold, HoldState, Referral, ReferralEvent
from lantern.referrals.models import Status as S
from lantern.referrals.retention import purge_rows

logger = logging.getLogger("lantern.referrals")

SHARED_CATEGORIES = tuple(Category.values)
SHARED_MAX_CHARS = 500
# An intake is scheduled at most a year ahead (or recorded at most a year late).
INTAKE_WITHIN_DAYS = 366


class TransitionNotAllowed(Exception):
    """The referral cannot move to that status from where it is, or not by this side."""

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"cannot go from {current} to {target}")
        self.current = current
        self.target = target


class AlreadySent(Exception):
    """A referral with this id was already written: a form sent twice (a replayed
    confirmation) writes nothing and holds nothing the second time."""

    def __init__(self, referral_id: Any) -> None:
        super().__init__(f"referral {referral_id} was already sent")
        self.referral_id = referral_id


@dataclass(frozen=True)
class ConsentInput:
    categories: list[str]
    purpose: str
    method: str
    expires_at: datetime | None


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return f"user:{actor.pk}"


def _link(name: str, referral: Referral) -> str:
    return reverse(name, args=[referral.pk])


def _receiving_organization(service: Service) -> Organization:
    org = Organization.objects.filter(hsds_organization_id=service.organization_id).first()
    if org is None:
        raise FieldError("service_id", "this service does not take referrals through Lantern")
    return org


def _referring_organization(actor: Any, organization_id: Any) -> Organization:
    allowed = policy.referring_organization_ids(actor)
    if organization_id is not None:
        if organization_id not in allowed and str(organization_id) not in {str(i) for i in allowed}:
            raise FieldError("organization_id", "you do not refer for this organization")
        return Organization.objects.get(pk=organization_id)
    orgs = list(Organization.objects.filter(pk__in=allowed).order_by("name")[:2])
    if len(orgs) != 1:
        raise FieldError("organization_id", "say which of your organizations this is from")
    return orgs[0]


def _clean_shared(shared: dict[str, Any]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for key, value in shared.items():
        if key not in SHARED_CATEGORIES:
            raise FieldError(f"shared.{key}", "unknown item")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str):
            raise FieldError(f"shared.{key}", "must be text")
        if len(value) > SHARED_MAX_CHARS:
            raise FieldError(f"shared.{key}", f"at most {SHARED_MAX_CHARS} characters")
        cleaned[key] = value.strip()
    return cleaned


@transaction.atomic
def referral_create(
    *,
    actor: Any,
    service_id: Any,
    needs: dict[str, Any],
    shared: dict[str, Any],
    consent: ConsentInput | None,
    hold: bool,
    capacity_id: Any = None,
    organization_id: Any = None,
    confirm_old_figure: holds.OldFigureConfirmation = False,
    referral_id: Any = None,
    now: datetime | None = None,
) -> Referral:
    """Send a referral (and hold one unit when asked). Raises FieldError (422) for bad
    input, NoUnitOpen (409) when a hold is asked and nothing is open, OldFigure (409) when
    the unit's figure is aging or stale and `confirm_old_figure` does not cover it,
    AlreadySent when `referral_id` (a form's one-time id) was used already, NotFound when
    the caller may not refer or the service does not exist."""
    if not policy.may_refer(actor):
        raise NotFound
    now = now or timezone.now()
    if referral_id is not None and Referral.objects.filter(pk=referral_id).exists():
        raise AlreadySent(referral_id)
    service = (
        Service.objects.filter(pk=service_id).exclude(status=ServiceStatus.DEFUNCT).first()
        if service_id
        else None
    )
    if service is None:
        raise FieldError("service_id", "no such service")
    receiving = _receiving_organization(service)
    referring = _referring_organization(actor, organization_id)
    items = _clean_shared(shared)
    if items and consent is None:
        raise FieldError("consent", "personal items travel only with the person's consent")

    referral = Referral(
        service=service,
        referring_organization=referring,
        receiving_organization=receiving,
        referred_by=actor,
        needs=json.dumps(needs, sort_keys=True) if needs else "",
        shared=json.dumps(items, sort_keys=True) if items else "",
        created=now,
        status_changed_at=now,
    )
    if consent is not None:
        try:
            record = consent_record(
                recipient=receiving,
                granted_by_organization=referring,
                categories=consent.categories,
                purpose=consent.purpose,
                method=consent.method,
                expires_at=consent.expires_at,
                actor=actor,
            )
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise FieldError(f"consent.{field}", "; ".join(messages)) from exc
        for key in items:
            if key not in record.categories:
                raise FieldError(f"shared.{key}", "not covered by the consent's categories")
        referral.consent = record
    if referral_id is not None:
        referral.pk = referral_id
    try:
        with transaction.atomic():
            referral.save(force_insert=True)
    except IntegrityError:
        if referral_id is None:
            raise
        raise AlreadySent(referral_id) from None  # the same form, sent twice at once
    if referral.consent is not None:
        consent_attach(
            consent=referral.consent,
            subject_type="referral",
            subject_id=str(referral.pk),
            actor=actor,
        )

    held: Hold | None = None
    if hold:
        holds.check_hold_limits(service, actor=actor, referring=referring)
        capacity, figure = holds.take_unit(
            service, capacity_id, now=now, confirm_old_figure=confirm_old_figure
        )
        held = Hold.objects.create(
            referral=referral,
            capacity=capacity,
            created=now,
            expires_at=now + timedelta(minutes=settings.LANTERN_REFERRAL_HOLD_MINUTES),
            figure_band=figure.band,
            figure_updated_at=figure.updated,
        )
    ReferralEvent.objects.create(
        referral=referral, to_status=S.SENT, actor=actor, actor_label=_actor_label(actor), at=now
    )
    audit_record(
        actor=actor,
        action="referral.create",
        object_type="referral",
        object_id=referral.pk,
        detail={
            "service": str(service.pk),
            "hold": held is not None,
            **holds.figure_detail(held),
            "shared": sorted(items),
            "consent": str(referral.consent_id) if referral.consent_id else None,
        },
    )
    notify_organization_staff(
        organization=receiving,
        roles=[Role.PROVIDER_STAFF],
        kind="referral_new",
        link_path=_link("referrals:inbox-detail", referral),
    )
    return referral


def _apply(
    referral: Referral,
    target: str,
    *,
    actor: Any,
    now: datetime,
    reason: str = "",
    note: str | None = None,
    intake_at: datetime | None = None,
) -> None:
    """Move a locked referral one step and record it (event, audit, timestamps, hold)."""
    previous = referral.status
    referral.status = target
    referral.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if target == S.VIEWED and referral.viewed_at is None:
        referral.viewed_at = now
        fields.append("viewed_at")
    if target in states.RESPONSES and referral.responded_at is None:
        referral.responded_at = now
        fields.append("responded_at")
    if target == S.ACCEPTED:
        referral.accepted_at = now
        fields.append("accepted_at")
    if target == S.DECLINED:
        referral.decline_reason = reason
        fields.append("decline_reason")
    if target == S.INTAKE_SCHEDULED:
        referral.intake_at = intake_at
        fields.append("intake_at")
    if target == S.INTAKE_COMPLETED:
        referral.intake_completed_at = now
        fields.append("intake_completed_at")
    if note is not None and note.strip():
        referral.note = note.strip()
        fields.append("note")
    if target in states.FINAL:
        referral.closed_at = now
        fields.append("closed_at")
    referral.save(update_fields=fields)

    hold = Hold.objects.select_for_update().filter(referral=referral).first()
    if hold is not None and hold.state == HoldState.ACTIVE:
        if target == S.ACCEPTED:
            hold.state = HoldState.KEPT
            hold.ended_at = now
            hold.end_reason = "accepted"
            hold.save(update_fields=["state", "ended_at", "end_reason"])
        elif target in states.RELEASES_HOLD:
            holds.give_back(hold, reason=target, now=now)
    elif hold is not None and hold.state == HoldState.KEPT and target in states.RETURNS_KEPT:
        # The place was kept for the person, who did not come (or the referral was
        # withdrawn after acceptance): it is open again.
        holds.give_back(hold, reason=target, now=now)

    ReferralEvent.objects.create(
        referral=referral,
        from_status=previous,
        to_status=target,
        actor=actor,
        actor_label=_actor_label(actor),
        reason=reason,
        at=now,
    )
    audit_record(
        actor=actor,
        actor_label=None if actor is not None else "system",
        action=f"referral.{target}",
        object_type="referral",
        object_id=referral.pk,
        detail={"from": previous, "reason": reason} if reason else {"from": previous},
    )


def _notify_referrer(referral: Referral) -> None:
    referrer = referral.referred_by
    if referrer is None:
        return
    notify_users(
        users=[referrer],
        kind="referral_updated",
        link_path=_link("referrals:outbox-detail", referral),
    )


@transaction.atomic
def referral_transition(
    *,
    referral: Referral,
    actor: Any,
    status: str,
    reason: str = "",
    note: str = "",
    intake_at: datetime | None = None,
    now: datetime | None = None,
) -> Referral:
    """Move a referral to `status` on behalf of `actor` (a user who can see it).

    Raises TransitionNotAllowed (409) for a transition that is not listed or not this
    side's to make, and FieldError (422) for a decline without a reason or an intake
    without a time.
    """
    now = now or timezone.now()
    if status not in S.values:
        raise FieldError("status", "unknown status")
    if status == S.DECLINED and reason not in DeclineReason.values:
        raise FieldError("reason", "a decline needs a reason from the list")
    if status != S.DECLINED and reason:
        raise FieldError("reason", "only a decline takes a reason")
    if status == S.INTAKE_SCHEDULED and intake_at is None:
        raise FieldError("intake_at", "say when the intake is")
    if intake_at is not None:
        try:
            check_within(intake_at, days=INTAKE_WITHIN_DAYS, now=now)
        except ValueError as exc:
            raise FieldError("intake_at", str(exc)) from None
    if len(note) > 2000:
        raise FieldError("note", "at most 2000 characters")

    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    sides = policy.sides(actor, locked)
    if not sides:
        raise NotFound
    path: list[str] | None = None
    if "receiver" in sides:
        path = states.receiver_path(locked.status, status)
    referrer_may = states.side_for(locked.status, status) == states.REFERRER
    if path is None and "referrer" in sides and referrer_may:
        path = [status]
    if path is None:
        raise TransitionNotAllowed(locked.status, status)
    for step in path:
        final_step = step == path[-1]
        _apply(
            locked,
            step,
            actor=actor,
            now=now,
            reason=reason if final_step else "",
            note=note if final_step else None,
            intake_at=intake_at,
        )
    if status != S.VIEWED:
        _notify_referrer(locked)
    return locked


@transaction.atomic
def referral_mark_viewed(*, referral: Referral, actor: Any, now: datetime | None = None) -> bool:
    """A receiving staff member opened a referral: SENT becomes VIEWED (once)."""
    if referral.status != S.SENT or "receiver" not in policy.sides(actor, referral):
        return False
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status != S.SENT:
        return False
    _apply(locked, S.VIEWED, actor=actor, now=now or timezone.now())
    referral.status, referral.viewed_at = locked.status, locked.viewed_at
    return True


@transaction.atomic
def hold_release(*, referral: Referral, actor: Any, now: datetime | None = None) -> Referral:
    """The receiving provider gives back the place held for this referral (they cannot
    keep it open, or the hold blocks others); the referral itself stays as it is.
    NotFound unless `actor` answers for the receiving organization; HoldNotActive (409)
    when there is no active hold."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if "receiver" not in policy.sides(actor, locked):
        raise NotFound
    hold = Hold.objects.select_for_update().filter(referral=locked).first()
    if hold is None or hold.state != HoldState.ACTIVE:
        raise HoldNotActive
    holds.give_back(hold, reason="provider", now=now or timezone.now(), actor=actor)
    _notify_referrer(locked)
    return locked


@dataclass
class TickReport:
    holds_released: int = 0
    holds_warned: int = 0
    reminded: int = 0
    escalated: int = 0
    expired: int = 0
    purged: int = 0
    # What the receivers of `ticked` did, by name (the help-request purge, for one).
    others: dict[str, int] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        counts = {k: v for k, v in self.__dict__.items() if k != "others"}
        return {**counts, **self.others}


# Sent at the end of every tick with `now`; other apps' timers ride on it (so this app
# needs to know nothing of them). A receiver returns {name: count} for the report.
ticked = Signal()


def _due(queryset: Any) -> Any:
    # SKIP LOCKED: two ticks running at once (cron overlap, two hosts) split the work
    # instead of both reminding or both releasing.
    return queryset.select_for_update(skip_locked=True, of=("self",))


def referrals_tick(*, now: datetime | None = None) -> TickReport:
    """One pass of the referral timers; safe to run often and concurrently."""
    now = now or timezone.now()
    report = TickReport()

    with transaction.atomic():
        for hold in _due(
            Hold.objects.filter(state=HoldState.ACTIVE, expires_at__lte=now).order_by("id")
        ):
            holds.give_back(hold, reason="expired", now=now)
            report.holds_released += 1

    warn_until = now + timedelta(minutes=settings.LANTERN_REFERRAL_HOLD_WARN_MINUTES)
    with transaction.atomic():
        for hold in _due(
            Hold.objects.filter(
                state=HoldState.ACTIVE,
                expires_at__gt=now,
                expires_at__lte=warn_until,
                warned_at__isnull=True,
                referral__status__in=states.UNANSWERED,
            )
            .select_related("referral__receiving_organization")
            .order_by("id")
        ):
            hold.warned_at = now
            hold.save(update_fields=["warned_at"])
            notify_organization_staff(
                organization=hold.referral.receiving_organization,
                roles=[Role.PROVIDER_STAFF],
                kind="hold_expiring",
                link_path=_link("referrals:inbox-detail", hold.referral),
            )
            report.holds_warned += 1

    remind_before = now - timedelta(minutes=settings.LANTERN_REFERRAL_REMIND_MINUTES)
    with transaction.atomic():
        for referral in _due(
            Referral.objects.filter(
                status=S.SENT, created__lte=remind_before, reminded_at__isnull=True
            ).select_related("receiving_organization")
        ):
            referral.reminded_at = now
            referral.save(update_fields=["reminded_at"])
            audit_record(
                actor=None,
                actor_label="system",
                action="referral.remind",
                object_type="referral",
                object_id=referral.pk,
            )
            notify_organization_staff(
                organization=referral.receiving_organization,
                roles=[Role.PROVIDER_STAFF],
                kind="referral_reminder",
                link_path=_link("referrals:inbox-detail", referral),
            )
            report.reminded += 1

    escalate_before = now - timedelta(minutes=settings.LANTERN_REFERRAL_ESCALATE_MINUTES)
    with transaction.atomic():
        due = list(
            _due(
                Referral.objects.filter(
                    status=S.SENT, created__lte=escalate_before, escalated_at__isnull=True
                )
            )
        )
        for referral in due:
            referral.escalated_at = now
            referral.save(update_fields=["escalated_at"])
            audit_record(
                actor=None,
                actor_label="system",
                action="referral.escalate",
                object_type="referral",
                object_id=referral.pk,
            )
        if due:
            for coalition in Organization.objects.filter(
                memberships__role=Role.COALITION_ADMIN
            ).distinct():
                notify_organization_staff(
                    organization=coalition,
                    roles=[Role.COALITION_ADMIN],
                    kind="referral_escalation",
                    link_path=reverse("referrals:metrics"),
                )
            report.escalated += len(due)

    expire_before = now - timedelta(hours=settings.LANTERN_REFERRAL_EXPIRE_HOURS)
    with transaction.atomic():
        for referral in _due(
            Referral.objects.filter(
                status__in=states.UNANSWERED, created__lte=expire_before
            ).select_related("referred_by")
        ):
            _apply(referral, S.EXPIRED, actor=None, now=now)
            _notify_referrer(referral)
            report.expired += 1

    report.purged = referrals_purge(now=now)
    for _receiver, counts in ticked.send(sender=TickReport, now=now):
        if isinstance(counts, dict):
            report.others.update(counts)
    logger.info("referrals tick: %s", report.as_dict())
    return report


@transaction.atomic
def referrals_purge(*, now: datetime | None = None) -> int:
    """Empty the personal items of referrals closed longer than the retention window, and
    the shared items of any referral whose consent ended longer ago than that.

    Timestamps, service, status and reason codes stay for the metrics; needs, shared
    items and notes go. The consent record itself holds no personal data and stays as
    the proof of what was agreed.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LANTERN_REFERRAL_RETENTION_DAYS)
    # Shared items outlive neither their consent nor the retention window after it, even
    # on a referral that stays open (a long waitlist, an intake never recorded).
    lapsed = Q(consent__expires_at__lte=cutoff) | Q(consent__revoked_at__lte=cutoff)
    purge_rows(
        Referral.objects.filter(lapsed).exclude(shared=""),
        values={"shared": ""},
        action="referral.purge_shared",
        object_type="referral",
    )
    return purge_rows(
        Referral.objects.filter(closed_at__lte=cutoff, purged_at__isnull=True),
        values={"needs": "", "shared": "", "note": "", "purged_at": now},
        action="referral.purge",
        object_type="referral",
    )
