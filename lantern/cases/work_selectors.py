"""Reads of the work on a case, cut to the reach of the person asking.

Two kinds of read live here:
- finding one row of a case (`goal_for`, `task_for`, `document_for`, `approval_for`): a row
  of another case, or one the reach does not cover, is `NotFound`, like a missing one;
- opening sealed text (`work_read`, `notes_read`, `tasks_read`, `document_open`): every
  one writes an audit event naming the groups it opened and, for anyone who is not an
  assigned caseworker of the case, a row of the disclosure log (`access.audit_read`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from lantern.accounts.models import Membership, Organization, User
from lantern.accounts.roles import Capability, roles_with
from lantern.audit.services import audit_record
from lantern.cases import storage, work_policy
from lantern.cases.access import audit_read, log_access
from lantern.cases.keys import CaseCipher, CaseKeyDestroyed, cipher_for
from lantern.cases.models import Approval, Case, CaseDocument, CaseNote, CaseTask, PlanGoal
from lantern.cases.models.case import AccessKind
from lantern.cases.models.work import LIFE_DOMAINS, ApprovalState
from lantern.cases.policy import Reach
from lantern.cases.vocab import CASE_STATUS
from lantern.core.errors import NotFound
from lantern.directory.models import Service
from lantern.referrals.models import Referral

# How many notes the case page shows (the API pages through all of them).
SECTION_NOTES = 20


def _row(queryset: QuerySet[Any], pk: Any) -> Any:
    try:
        row = queryset.filter(pk=pk).first()
    except (ValueError, TypeError):
        row = None
    if row is None:
        raise NotFound
    return row


def goal_for(case: Case, reach: Reach, goal_id: Any) -> PlanGoal:
    if not work_policy.sees_plan(reach):
        raise NotFound
    return _row(PlanGoal.objects.filter(case=case), goal_id)


def task_for(case: Case, reach: Reach, task_id: Any) -> CaseTask:
    if not work_policy.sees_plan(reach):
        raise NotFound
    return _row(CaseTask.objects.filter(case=case), task_id)


def document_for(case: Case, reach: Reach, document_id: Any) -> CaseDocument:
    if not work_policy.sees_documents(reach):
        raise NotFound
    return _row(CaseDocument.objects.filter(case=case), document_id)


def approval_for(case: Case, approval_id: Any) -> Approval:
    return _row(Approval.objects.filter(case=case), approval_id)


def caseworker_ids(organization_id: Any) -> set[Any]:
    """The people of the organization who keep cases (in force, not suspended)."""
    return set(
        Membership.objects.filter(
            organization_id=organization_id, role__in=roles_with(Capability.KEEP_CASES)
        ).values_list("user_id", flat=True)
    )


def caseworkers(organization_id: Any) -> list[User]:
    """Who may be given a task: the organization's caseworkers and supervisors."""
    return list(
        User.objects.filter(pk__in=caseworker_ids(organization_id), is_active=True).order_by(
            "display_name", "email"
        )
    )


def service_choices(case: Case) -> list[Service]:
    """Services a goal can name: the organization's own, and those it referred people to."""
    organization = Organization.objects.filter(pk=case.organization_id).first()
    own = getattr(organization, "hsds_organization_id", None)
    referred = Referral.objects.filter(referring_organization_id=case.organization_id).values(
        "service_id"
    )
    services = Service.objects.filter(pk__in=referred)
    if own is not None:
        services = services | Service.objects.filter(organization_id=own)
    return list(services.distinct().order_by("name")[:200])


def referral_choices(case: Case) -> list[Referral]:
    """Referrals a goal can name: the organization's, newest first (codes, no personal data)."""
    org = case.organization_id
    sent = Referral.objects.filter(referring_organization_id=org)
    received = Referral.objects.filter(receiving_organization_id=org)
    return list((sent | received).select_related("service").order_by("-created")[:200])


# --- opened views (audited) ---------------------------------------------------------------


@dataclass(frozen=True)
class TaskView:
    task: CaseTask
    title: str
    overdue: bool


@dataclass(frozen=True)
class GoalView:
    goal: PlanGoal
    text: str
    services: list[Service]
    referrals: list[Referral]
    tasks: list[TaskView]


@dataclass(frozen=True)
class DomainView:
    code: str
    label: Any
    goals: list[GoalView]


@dataclass(frozen=True)
class NoteView:
    note: CaseNote
    body: str
    author: str
    organization: str


@dataclass(frozen=True)
class DocumentView:
    document: CaseDocument
    filename: str


@dataclass(frozen=True)
class ApprovalView:
    approval: Approval
    comment: str

    @property
    def closing_label(self) -> str:
        code = self.approval.closing_status
        return str(CASE_STATUS.get(code, code)) if code else ""


@dataclass
class WorkView:
    """What the case page's work section shows, already cut to the reach."""

    purged: bool = False
    sees_plan: bool = False
    sees_notes: bool = False
    sees_documents: bool = False
    sees_approvals: bool = False
    domains: list[DomainView] = field(default_factory=list)
    loose_tasks: list[TaskView] = field(default_factory=list)
    notes: list[NoteView] = field(default_factory=list)
    notes_total: int = 0
    documents: list[DocumentView] = field(default_factory=list)
    pending: list[ApprovalView] = field(default_factory=list)
    decided: list[ApprovalView] = field(default_factory=list)


def _kind(reach: Reach) -> str:
    return AccessKind.READ if reach.own else AccessKind.SHARED_READ


def _audit(actor: Any, case: Case, reach: Reach, groups: list[str], action: str) -> None:
    if not groups:
        return
    with transaction.atomic():
        audit_read(
            cases=[case],
            actor=actor,
            kind=_kind(reach),
            organization_id=reach.organization_id,
            groups=groups,
            action=action,
        )


def _cipher(case: Case) -> CaseCipher | None:
    try:
        return cipher_for(case)
    except CaseKeyDestroyed:
        return None


def _task_views(tasks: list[CaseTask], cipher: CaseCipher, today: date) -> list[TaskView]:
    return [
        TaskView(
            task=task,
            title=cipher.open(task.title_sealed),
            overdue=task.done_at is None and task.due_on < today,
        )
        for task in tasks
    ]


def _plan(case: Case, cipher: CaseCipher, today: date) -> tuple[list[DomainView], list[TaskView]]:
    goals = list(
        PlanGoal.objects.filter(case=case).prefetch_related("services", "referrals__service")
    )
    tasks = list(CaseTask.objects.filter(case=case).select_related("assignee"))
    by_goal: dict[Any, list[CaseTask]] = defaultdict(list)
    for task in tasks:
        by_goal[task.goal_id].append(task)
    views: dict[str, list[GoalView]] = defaultdict(list)
    for goal in goals:
        views[goal.domain].append(
            GoalView(
                goal=goal,
                text=cipher.open(goal.text_sealed),
                services=list(goal.services.all()),
                referrals=list(goal.referrals.all()),
                tasks=_task_views(by_goal.get(goal.pk, []), cipher, today),
            )
        )
    domains = [
        DomainView(code=code, label=label, goals=views.get(code, []))
        for code, label in LIFE_DOMAINS
    ]
    return domains, _task_views(by_goal.get(None, []), cipher, today)


def _note_views(notes: list[CaseNote], cipher: CaseCipher) -> list[NoteView]:
    return [
        NoteView(
            note=note,
            body=cipher.open(note.body_sealed),
            author=(note.author.display_name or note.author.email) if note.author else "",
            organization=note.organization.name,
        )
        for note in notes
    ]


def _notes(case: Case) -> QuerySet[CaseNote]:
    return (
        CaseNote.objects.filter(case=case)
        .select_related("author", "organization")
        .order_by("-created", "-id")
    )


def work_read(*, actor: Any, case: Case, reach: Reach, today: date) -> WorkView:
    """The work section of the case page: plan, latest notes, documents and approvals, each
    only if the reach covers it; one audit event naming the groups opened."""
    view = WorkView(
        purged=case.purged_at is not None,
        sees_plan=work_policy.sees_plan(reach),
        sees_notes=work_policy.sees_notes(reach),
        sees_documents=work_policy.sees_documents(reach),
        sees_approvals=work_policy.sees_approvals(reach),
    )
    cipher = _cipher(case)
    if cipher is None:
        view.purged = True
        return view
    opened: list[str] = []
    if view.sees_plan:
        view.domains, view.loose_tasks = _plan(case, cipher, today)
        if view.loose_tasks or any(d.goals for d in view.domains):
            opened.append(work_policy.PLAN)
    if view.sees_notes:
        notes = _notes(case)
        view.notes_total = notes.count()
        view.notes = _note_views(list(notes[:SECTION_NOTES]), cipher)
        if view.notes:
            opened.append(work_policy.NOTES)
    if view.sees_documents:
        documents = list(CaseDocument.objects.filter(case=case).order_by("-created"))
        view.documents = [DocumentView(d, cipher.open(d.filename_sealed)) for d in documents]
        if documents:
            opened.append(work_policy.DOCUMENTS)
    if view.sees_approvals:
        approvals = list(
            Approval.objects.filter(case=case).select_related("requested_by", "decided_by")
        )
        for approval in approvals:
            item = ApprovalView(approval, cipher.open(approval.comment_sealed))
            target = view.pending if approval.state == ApprovalState.PENDING else view.decided
            target.append(item)
        view.decided = view.decided[:10]
        if any(a.comment for a in view.decided) and work_policy.PLAN not in opened:
            opened.append(work_policy.PLAN)
    _audit(actor, case, reach, opened, "case.work.read")
    return view


@dataclass(frozen=True)
class Page:
    total: int
    items: list[Any]


def notes_read(*, actor: Any, case: Case, reach: Reach, limit: int, offset: int) -> Page:
    """One page of the case's notes, newest first (404 when "notes" is not granted)."""
    if not work_policy.sees_notes(reach):
        raise NotFound
    cipher = _cipher(case)
    if cipher is None:
        return Page(total=0, items=[])
    notes = _notes(case)
    total = notes.count()
    items = _note_views(list(notes[offset : offset + limit]), cipher)
    _audit(actor, case, reach, [work_policy.NOTES] if items else [], "case.notes.read")
    return Page(total=total, items=items)


def tasks_read(
    *, actor: Any, case: Case, reach: Reach, limit: int, offset: int, today: date
) -> Page:
    """One page of the case's tasks by due date (404 when "plan" is not granted)."""
    if not work_policy.sees_plan(reach):
        raise NotFound
    cipher = _cipher(case)
    if cipher is None:
        return Page(total=0, items=[])
    tasks = CaseTask.objects.filter(case=case).order_by("due_on", "id")
    total = tasks.count()
    items = _task_views(list(tasks[offset : offset + limit]), cipher, today)
    _audit(actor, case, reach, [work_policy.PLAN] if items else [], "case.tasks.read")
    return Page(total=total, items=items)


@dataclass(frozen=True)
class OpenedDocument:
    content: bytes
    filename: str
    media_type: str


def document_open(
    *, actor: Any, case: Case, reach: Reach, document: CaseDocument
) -> OpenedDocument:
    """A document's bytes in clear, for a download: audited, and logged as a disclosure
    (kind "download") for anyone but an assigned caseworker. 404 when the case key or the
    stored file is gone."""
    if not work_policy.sees_documents(reach) or document.case_id != case.pk:
        raise NotFound
    cipher = _cipher(case)
    if cipher is None:
        raise NotFound
    try:
        content = cipher.open_bytes(storage.read_document(document.pk))
    except FileNotFoundError as exc:
        raise NotFound from exc
    filename = cipher.open(document.filename_sealed)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="case.document.download",
            object_type="case",
            object_id=case.pk,
            detail={
                "document_id": str(document.pk),
                "kind": AccessKind.DOWNLOAD,
                "groups": [work_policy.DOCUMENTS],
            },
        )
        log_access(
            cases=[case],
            actor=actor,
            kind=AccessKind.DOWNLOAD,
            organization_id=reach.organization_id,
            groups=[work_policy.DOCUMENTS],
        )
    return OpenedDocument(content=content, filename=filename, media_type=document.media_type)
