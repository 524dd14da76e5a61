"""The supervisor's dashboard (`/cases/supervision/`): what waits for a supervisor in each
organization they supervise. Numbers, case numbers and links only; no personal text is
opened here.

- pending approvals (plan or closure), oldest first;
- overdue tasks: due before today and not done, on open cases, counted per case;
- overdue assessments: an open case (Active or FollowUp) whose last assessment is older than
  `LANTERN_CASE_ASSESSMENT_INTERVAL_DAYS` (90 by default), or that has none after
  `FIRST_ASSESSMENT_DAYS` open;
- per caseworker: open cases assigned, overdue tasks, overdue assessments, approvals asked.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet

from lantern.accounts.models import Organization, User
from lantern.cases import policy
from lantern.cases.fields import OPEN_STATUSES
from lantern.cases.models import Approval, Case, CaseAssignment, CaseTask
from lantern.cases.models.work import ApprovalState
from lantern.cases.work_selectors import caseworker_ids

DEFAULT_ASSESSMENT_INTERVAL_DAYS = 90
FIRST_ASSESSMENT_DAYS = 30
# Rows each list shows; the totals count them all.
LIST_LIMIT = 100


def assessment_interval_days() -> int:
    return int(
        getattr(settings, "LANTERN_CASE_ASSESSMENT_INTERVAL_DAYS", DEFAULT_ASSESSMENT_INTERVAL_DAYS)
    )


def _open_cases(organization_id: Any) -> QuerySet[Case]:
    return Case.objects.filter(
        organization_id=organization_id,
        status__in=OPEN_STATUSES,
        purged_at__isnull=True,
        merged_into__isnull=True,
    )


def overdue_tasks(organization_id: Any, today: date) -> QuerySet[CaseTask]:
    return CaseTask.objects.filter(
        case__in=_open_cases(organization_id), done_at__isnull=True, due_on__lt=today
    )


def assessments_overdue(organization_id: Any, today: date) -> QuerySet[Case]:
    """Open cases whose next assessment is late, annotated with `last_assessed`."""
    stale_before = today - timedelta(days=assessment_interval_days())
    first_due_before = today - timedelta(days=FIRST_ASSESSMENT_DAYS)
    return (
        _open_cases(organization_id)
        .annotate(last_assessed=Max("assessments__assessed_on"))
        .filter(
            Q(last_assessed__lt=stale_before)
            | Q(last_assessed__isnull=True, opened_on__lt=first_due_before)
        )
    )


@dataclass(frozen=True)
class TaskRow:
    case_id: Any
    number: str
    count: int
    oldest_due: date


@dataclass(frozen=True)
class AssessmentRow:
    case: Case
    last_assessed: date | None
    days_late: int


@dataclass(frozen=True)
class CaseworkerRow:
    user: User
    open_cases: int
    overdue_tasks: int
    overdue_assessments: int
    pending_approvals: int


@dataclass
class OrganizationBoard:
    organization: Organization
    pending: list[Approval] = field(default_factory=list)
    pending_total: int = 0
    tasks: list[TaskRow] = field(default_factory=list)
    tasks_total: int = 0
    assessments: list[AssessmentRow] = field(default_factory=list)
    assessments_total: int = 0
    caseworkers: list[CaseworkerRow] = field(default_factory=list)


def _counts(rows: Any, key: str) -> dict[Any, int]:
    return {row[key]: row["n"] for row in rows}


def _days_late(case: Any, today: date) -> int:
    if case.last_assessed is None:
        due = case.opened_on + timedelta(days=FIRST_ASSESSMENT_DAYS)
    else:
        due = case.last_assessed + timedelta(days=assessment_interval_days())
    return max((today - due).days, 0)


def board_for(organization: Organization, today: date) -> OrganizationBoard:
    org_id = organization.pk
    board = OrganizationBoard(organization=organization)
    pending = Approval.objects.filter(
        case__organization_id=org_id, case__purged_at__isnull=True, state=ApprovalState.PENDING
    )
    board.pending_total = pending.count()
    board.pending = list(
        pending.select_related("case", "requested_by").order_by("requested_at")[:LIST_LIMIT]
    )
    late_tasks = overdue_tasks(org_id, today)
    per_case = (
        late_tasks.values("case_id", "case__number")
        .annotate(n=Count("id"), oldest=Min("due_on"))
        .order_by("oldest", "case__number")
    )
    board.tasks_total = late_tasks.values("case_id").distinct().count()
    board.tasks = [
        TaskRow(row["case_id"], row["case__number"], row["n"], row["oldest"])
        for row in per_case[:LIST_LIMIT]
    ]
    late_cases = assessments_overdue(org_id, today)
    board.assessments_total = late_cases.count()
    rows = [
        AssessmentRow(case, case.last_assessed, _days_late(case, today))  # type: ignore[attr-defined]
        for case in late_cases
    ]
    rows.sort(key=lambda row: (-row.days_late, row.case.number))
    board.assessments = rows[:LIST_LIMIT]
    board.caseworkers = _caseworker_rows(org_id, late_tasks, late_cases, pending)
    return board


def _caseworker_rows(
    org_id: Any,
    late_tasks: QuerySet[CaseTask],
    late_cases: QuerySet[Case],
    pending: QuerySet[Approval],
) -> list[CaseworkerRow]:
    assigned = CaseAssignment.objects.filter(case__in=_open_cases(org_id))
    open_cases = _counts(assigned.values("user_id").annotate(n=Count("case_id")), "user_id")
    tasks = _counts(
        late_tasks.values("assignee_id").annotate(n=Count("id")).order_by(), "assignee_id"
    )
    assessments = _counts(
        CaseAssignment.objects.filter(case_id__in=late_cases.values("pk"))
        .values("user_id")
        .annotate(n=Count("case_id")),
        "user_id",
    )
    asked = _counts(
        pending.values("requested_by_id").annotate(n=Count("id")).order_by(), "requested_by_id"
    )
    people = User.objects.filter(pk__in=caseworker_ids(org_id)).order_by("display_name", "email")
    return [
        CaseworkerRow(
            user=user,
            open_cases=open_cases.get(user.pk, 0),
            overdue_tasks=tasks.get(user.pk, 0),
            overdue_assessments=assessments.get(user.pk, 0),
            pending_approvals=asked.get(user.pk, 0),
        )
        for user in people
    ]


def boards_for(user: Any, today: date) -> list[OrganizationBoard]:
    """One board per organization the user supervises (none: not a supervisor)."""
    organizations = Organization.objects.filter(pk__in=policy.supervisor_org_ids(user))
    return [board_for(org, today) for org in organizations.order_by("name")]
