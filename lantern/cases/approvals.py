"""Approvals: a caseworker puts the service plan, or closing the case, to a supervisor of
the case's organization, who approves it or returns it with a comment (sealed under the
case key). Approving a closure closes the case today with the status asked for, and the
change is kept in the case's history. One approval of each kind waits at a time; nobody
decides their own request.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lantern.accounts.models import User
from lantern.accounts.roles import Capability, roles_with
from lantern.cases import work_policy
from lantern.cases.fields import OPEN_STATUSES
from lantern.cases.keys import cipher_for
from lantern.cases.models import Approval, Assessment, Case, CaseChange, PlanGoal
from lantern.cases.models.work import ApprovalKind, ApprovalState, AssessmentKind
from lantern.cases.policy import Reach
from lantern.cases.work_services import audit_case, clean_text, require, tell_owner
from lantern.core.api_errors import FieldError
from lantern.notify.services import notify_users

COMMENT_MAX = 1000
CLOSING_STATUSES = ("Closed", "ClosedReferred")


class AlreadyPending(Exception):
    """An approval of this kind is already waiting for a supervisor."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"a {kind} approval is already pending")
        self.kind = kind


class NotPending(Exception):
    """The approval was already decided (perhaps by another supervisor a moment ago)."""


class OwnRequest(Exception):
    """A supervisor cannot decide their own request: an approval needs a second person."""


@dataclass(frozen=True)
class ApprovalRequested:
    approval: Approval
    # A closure asked for before any closure assessment: a reminder, not a refusal.
    missing_closure_assessment: bool = False


def _supervisor_roles() -> tuple[str, ...]:
    return roles_with(Capability.SUPERVISE_CASES)


@transaction.atomic
def approval_request(
    *, actor: Any, case: Case, reach: Reach | None, kind: str, closing_status: str = ""
) -> ApprovalRequested:
    """Put the plan, or closing the case (as Closed or ClosedReferred), to a supervisor.
    One pending approval per kind per case (`AlreadyPending`)."""
    require(work_policy.may_work(reach, case))
    if kind not in ApprovalKind.values:
        raise FieldError("kind", f"must be one of {', '.join(ApprovalKind.values)}")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status not in OPEN_STATUSES:
        raise FieldError("kind", "the case is already closed")
    if kind == ApprovalKind.CLOSURE:
        if closing_status not in CLOSING_STATUSES:
            raise FieldError("closing_status", f"must be one of {', '.join(CLOSING_STATUSES)}")
    else:
        closing_status = ""
        if not PlanGoal.objects.filter(case=locked).exists():
            raise FieldError("kind", "add at least one goal to the plan first")
    if Approval.objects.filter(case=locked, kind=kind, state=ApprovalState.PENDING).exists():
        raise AlreadyPending(kind)
    try:
        with transaction.atomic():
            approval = Approval.objects.create(
                case=locked, kind=kind, closing_status=closing_status, requested_by=actor
            )
    except IntegrityError as exc:  # a second request at the same moment
        raise AlreadyPending(kind) from exc
    missing = (
        kind == ApprovalKind.CLOSURE
        and not Assessment.objects.filter(case=locked, kind=AssessmentKind.CLOSURE).exists()
    )
    audit_case(
        actor,
        "case.approval.request",
        locked,
        approval_id=approval.pk,
        kind=kind,
        closing_status=closing_status,
        missing_closure_assessment=missing,
    )
    supervisors = _supervisors_except(locked, actor)
    if supervisors:
        notify_users(
            users=supervisors, kind="case_approval_pending", link_path=f"/cases/{locked.pk}/"
        )
    return ApprovalRequested(approval=approval, missing_closure_assessment=missing)


def _supervisors_except(case: Case, actor: Any) -> list[User]:
    users = User.objects.filter(
        is_active=True,
        memberships__organization_id=case.organization_id,
        memberships__role__in=_supervisor_roles(),
    )
    actor_id = getattr(actor, "pk", None)
    return [user for user in users.distinct().order_by("email") if user.pk != actor_id]


def _change(case: Case, field: str, old: Any, new: Any, actor: Any) -> CaseChange:
    cipher = cipher_for(case)

    def as_json(value: Any) -> str:
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        return json.dumps(value, sort_keys=True, default=str)

    return CaseChange(
        case=case,
        field=field,
        old_sealed=cipher.seal(as_json(old)),
        new_sealed=cipher.seal(as_json(new)),
        actor=actor,
    )


@transaction.atomic
def approval_decide(
    *, actor: Any, approval: Approval, approve: bool, comment: str = ""
) -> Approval:
    """A supervisor approves, or returns with a comment, a pending plan or closure.
    Approving a closure closes the case today with the status asked for."""
    case = Case.objects.select_for_update().get(pk=approval.case_id)
    require(work_policy.may_decide(actor, case))
    locked = Approval.objects.select_for_update().get(pk=approval.pk)
    if locked.state != ApprovalState.PENDING:
        raise NotPending
    if locked.requested_by_id is not None and locked.requested_by_id == getattr(actor, "pk", None):
        raise OwnRequest
    clean_comment = (
        clean_text("comment", comment, COMMENT_MAX)
        if (comment or "").strip() or not approve
        else ""
    )
    now = timezone.now()
    locked.state = ApprovalState.APPROVED if approve else ApprovalState.RETURNED
    locked.decided_by = actor
    locked.decided_at = now
    locked.comment_sealed = cipher_for(case).seal(clean_comment)
    locked.save(update_fields=["state", "decided_by", "decided_at", "comment_sealed"])
    closed = approve and locked.kind == ApprovalKind.CLOSURE
    if closed:
        today = timezone.localdate()
        changes = [
            _change(case, "status", case.status, locked.closing_status, actor),
            _change(case, "closed_on", case.closed_on, today, actor),
        ]
        case.status = locked.closing_status
        case.closed_on = today
        case.updated = now
        case.save(update_fields=["status", "closed_on", "updated"])
        CaseChange.objects.bulk_create(changes)
    audit_case(
        actor,
        "case.approval.decide",
        case,
        approval_id=locked.pk,
        kind=locked.kind,
        decision=locked.state,
        closing_status=locked.closing_status,
    )
    if locked.requested_by is not None:
        notify_users(
            users=[locked.requested_by],
            kind="case_approval_decided",
            link_path=f"/cases/{case.pk}/",
        )
    if closed and case.owner_id not in (locked.requested_by_id, getattr(actor, "pk", None)):
        tell_owner(case, actor)
    return locked
