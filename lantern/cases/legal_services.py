"""Writes for the legal side of case records: the retention schedule, legal holds and the
child-welfare report. (Compelled disclosure is `compelled.py`.)

Each checks the policy again (a caller that skipped the selector still gets `NotFound`),
writes in one transaction with its audit event, and keeps personal values out of the audit
detail: ids, dates and codes only.
"""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from lantern.accounts.models import Organization
from lantern.audit.services import audit_record
from lantern.cases import policy
from lantern.cases.fields import AGENCY_MAX, REFERENCE_MAX
from lantern.cases.legal_selectors import MAX_RETENTION_DAYS
from lantern.cases.models import Case, LegalHold, RetentionSchedule
from lantern.cases.selectors import reach_for
from lantern.cases.services import case_update
from lantern.core.api_errors import FieldError
from lantern.core.bounds import check_date
from lantern.core.errors import NotFound

REASON_MAX = 1000
OBJECT_TYPE = "case"


def _check_text(field: str, value: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise FieldError(field, "required")
    if len(value) > limit:
        raise FieldError(field, f"at most {limit} characters")
    if "\x00" in value:
        raise FieldError(field, "must not contain NUL characters")
    return value


def _check_day(field: str, value: Any) -> date:
    if not isinstance(value, date):
        raise FieldError(field, "must be a date")
    try:
        check_date(value)
    except ValueError as exc:
        raise FieldError(field, "must be between the years 1900 and 2100") from exc
    return value


def _locked_case(case: Case) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.purged_at is not None:
        raise FieldError("case", "this case was purged")
    return locked


# --- Retention schedule ---------------------------------------------------------------


@transaction.atomic
def retention_set(*, actor: Any, organization: Organization, days: int) -> RetentionSchedule:
    """Set how many days after closure the organization's cases keep their personal data
    (0 to 50 years). Organization admins (SET_RETENTION) only."""
    if not policy.may_set_retention(actor, organization.pk):
        raise NotFound
    if isinstance(days, bool) or not isinstance(days, int):
        raise FieldError("days_after_closure", "must be a whole number of days")
    if not 0 <= days <= MAX_RETENTION_DAYS:
        raise FieldError("days_after_closure", f"must be between 0 and {MAX_RETENTION_DAYS} days")
    schedule, created = RetentionSchedule.objects.select_for_update().get_or_create(
        organization=organization,
        defaults={"days_after_closure": days, "updated_by": actor},
    )
    before = None if created else schedule.days_after_closure
    schedule.days_after_closure = days
    schedule.updated_by = actor
    schedule.updated = timezone.now()
    schedule.save()
    audit_record(
        actor=actor,
        action="case_retention.set",
        object_type="organization",
        object_id=organization.pk,
        detail={"days_after_closure": days, "before": before},
    )
    return schedule


# --- Legal holds ----------------------------------------------------------------------


@transaction.atomic
def legal_hold_place(*, actor: Any, case: Case, reason: str, until: date) -> LegalHold:
    """Stop the purge of one case until `until` (today or later), for a reason kept under
    the deployment keys. Legal keepers of the case's organization only."""
    if not policy.may_keep_legal_records(actor, case.organization_id):
        raise NotFound
    reason = _check_text("reason", reason, REASON_MAX)
    until = _check_day("until", until)
    if until < timezone.localdate():
        raise FieldError("until", "must be today or later")
    locked = _locked_case(case)
    hold = LegalHold.objects.create(case=locked, reason=reason, until=until, placed_by=actor)
    audit_record(
        actor=actor,
        action="legal_hold.place",
        object_type=OBJECT_TYPE,
        object_id=locked.pk,
        detail={"hold_id": hold.pk, "until": until.isoformat()},
    )
    return hold


@transaction.atomic
def legal_hold_release(*, actor: Any, hold: LegalHold) -> LegalHold:
    """End a hold now (the purge may then take the case when its schedule has run out)."""
    locked = LegalHold.objects.select_for_update().select_related("case").get(pk=hold.pk)
    if not policy.may_keep_legal_records(actor, locked.case.organization_id):
        raise NotFound
    if locked.released_at is not None:
        raise FieldError("hold", "this hold was already released")
    locked.released_at = timezone.now()
    locked.released_by = actor
    locked.save(update_fields=["released_at", "released_by"])
    audit_record(
        actor=actor,
        action="legal_hold.release",
        object_type=OBJECT_TYPE,
        object_id=locked.case_id,
        detail={"hold_id": locked.pk},
    )
    hold.released_at, hold.released_by = locked.released_at, actor
    return locked


# --- Child-welfare report -------------------------------------------------------------


@transaction.atomic
def child_report_record(
    *, actor: Any, case: Case, reported_on: date, agency: str, reference: str = ""
) -> None:
    """Record the report to child welfare (when, to which agency, their reference: sealed
    under the case key). Anyone who may edit the case. It goes through `case_update`, so the
    case's history keeps it and its owner is told."""
    if not policy.may_edit(reach_for(actor, case), case):
        raise NotFound
    reported_on = _check_day("child_report_on", reported_on)
    if reported_on > timezone.localdate():
        raise FieldError("child_report_on", "cannot be in the future")
    agency = _check_text("child_report_agency", agency, AGENCY_MAX)
    reference = _check_text("child_report_reference", reference, REFERENCE_MAX, required=False)
    changed = case_update(
        actor=actor,
        case=case,
        data={
            "child_report_on": reported_on,
            "child_report_agency": agency,
            "child_report_reference": reference,
        },
    )
    audit_record(
        actor=actor,
        action="case.child_report",
        object_type=OBJECT_TYPE,
        object_id=case.pk,
        detail={"reported_on": reported_on.isoformat(), "fields": changed},
    )
