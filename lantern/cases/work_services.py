"""Writes to the work on a case: plan goals, tasks, notes and documents (approvals are in
`approvals.py`).

Each checks the reach it is given (`work_policy`), validates, writes and leaves an audit
event in one transaction. Free text (goal text, task titles, notes, file names)
and document bytes are sealed under the case's own key; audit details carry ids and codes
only. The case's owner is told, without any detail, when someone else changes the work.
"""

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lantern.audit.services import audit_record
from lantern.cases import storage, work_policy
from lantern.cases.documents import clean_document
from lantern.cases.keys import cipher_for
from lantern.cases.models import (
    Case,
    CaseDocument,
    CaseNote,
    CaseTask,
    PlanGoal,
)
from lantern.cases.models.work import (
    LIFE_DOMAIN_CODES,
    DocumentType,
    GoalStatus,
)
from lantern.cases.policy import Reach
from lantern.cases.work_selectors import caseworker_ids
from lantern.core.api_errors import FieldError
from lantern.core.bounds import check_date
from lantern.core.errors import NotFound
from lantern.directory.models import Service
from lantern.notify.services import notify_users
from lantern.referrals.models import Referral

OBJECT_TYPE = "case"
GOAL_TEXT_MAX = 500
TASK_TITLE_MAX = 200
NOTE_MAX = 5000
MAX_LINKS = 20  # services or referrals serving one goal

# "Leave as it is" for optional arguments where None is a value (no assignee, no goal).
UNSET: Any = object()


# --- checks -------------------------------------------------------------------------------


def require(allowed: bool) -> None:
    if not allowed:
        raise NotFound


def clean_text(field: str, value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise FieldError(field, "must be text")
    value = value.strip()
    if not value:
        raise FieldError(field, "must not be empty")
    if len(value) > limit:
        raise FieldError(field, f"at most {limit} characters")
    if "\x00" in value:
        raise FieldError(field, "must not contain NUL characters")
    return value


def _domain(value: Any) -> str:
    if value not in LIFE_DOMAIN_CODES:
        raise FieldError("domain", f"must be one of {', '.join(LIFE_DOMAIN_CODES)}")
    return str(value)


def _goal_status(value: Any) -> str:
    if value not in GoalStatus.values:
        raise FieldError("status", f"must be one of {', '.join(GoalStatus.values)}")
    return str(value)


def _date(value: Any) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError as exc:
            raise FieldError("due_on", "must be a date (YYYY-MM-DD)") from exc
    if not isinstance(value, date):
        raise FieldError("due_on", "must be a date")
    try:
        check_date(value)
    except ValueError as exc:
        raise FieldError("due_on", "must be between the years 1900 and 2100") from exc
    return value


def _due(value: Any) -> date:
    """A due date for a new task or a moved one: not in the past."""
    value = _date(value)
    if value < timezone.localdate():
        raise FieldError("due_on", "cannot be in the past")
    return value


def _ids(field: str, values: Iterable[Any]) -> list[str]:
    ids = []
    for value in values:
        raw = getattr(value, "pk", value)
        try:
            ids.append(str(uuid.UUID(str(raw))))
        except (ValueError, TypeError, AttributeError) as exc:
            raise FieldError(field, "each must be an id") from exc
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_LINKS:
        raise FieldError(field, f"at most {MAX_LINKS}")
    return ids


def _services(values: Iterable[Any]) -> list[Service]:
    ids = _ids("services", values)
    found = list(Service.objects.filter(pk__in=ids))
    if len(found) != len(ids):
        raise FieldError("services", "each must be a service of the directory")
    return found


def _referrals(case: Case, values: Iterable[Any]) -> list[Referral]:
    """Referrals the case's organization sent or received (nobody else's)."""
    ids = _ids("referrals", values)
    org = case.organization_id
    party = Q(referring_organization_id=org) | Q(receiving_organization_id=org)
    found = list(Referral.objects.filter(party, pk__in=ids))
    if len(found) != len(ids):
        raise FieldError("referrals", "each must be a referral of this case's organization")
    return found


def _assignee(case: Case, value: Any) -> Any:
    if value is None or value == "":
        return None
    user_id = getattr(value, "pk", value)
    allowed = {str(pk): pk for pk in caseworker_ids(case.organization_id)}
    if str(user_id) not in allowed:
        raise FieldError("assignee", "must be a caseworker of the case's organization")
    return allowed[str(user_id)]


def _goal_of(case: Case, value: Any) -> PlanGoal | None:
    if value is None or value == "":
        return None
    goal_id = getattr(value, "pk", value)
    try:
        return PlanGoal.objects.get(pk=int(goal_id), case=case)
    except (PlanGoal.DoesNotExist, ValueError, TypeError) as exc:
        raise FieldError("goal", "must be a goal of this case's plan") from exc


def _own_row(row: Any, case: Case) -> None:
    if row.case_id != case.pk:
        raise NotFound


def tell_owner(case: Case, actor: Any) -> None:
    owner = case.owner
    if owner is None or owner.pk == getattr(actor, "pk", None):
        return
    notify_users(users=[owner], kind="case_edited", link_path=f"/cases/{case.pk}/")


def audit_case(actor: Any, action: str, case: Case, **detail: Any) -> None:
    audit_record(
        actor=actor, action=action, object_type=OBJECT_TYPE, object_id=case.pk, detail=detail
    )


# --- the plan: goals and tasks -----------------------------------------------------------


@transaction.atomic
def goal_add(
    *,
    actor: Any,
    case: Case,
    reach: Reach | None,
    domain: str,
    text: str,
    services: Iterable[Any] = (),
    referrals: Iterable[Any] = (),
) -> PlanGoal:
    """A goal of the service plan in one life domain, with what serves it."""
    require(work_policy.may_work(reach, case))
    clean_domain = _domain(domain)
    goal_text = clean_text("text", text, GOAL_TEXT_MAX)
    linked_services = _services(services)
    linked_referrals = _referrals(case, referrals)
    cipher = cipher_for(case)
    goal = PlanGoal.objects.create(
        case=case, domain=clean_domain, text_sealed=cipher.seal(goal_text)
    )
    goal.services.set(linked_services)
    goal.referrals.set(linked_referrals)
    audit_case(
        actor,
        "case.goal.add",
        case,
        goal_id=goal.pk,
        domain=clean_domain,
        services=sorted(str(s.pk) for s in linked_services),
        referrals=sorted(str(r.pk) for r in linked_referrals),
    )
    tell_owner(case, actor)
    return goal


@transaction.atomic
def goal_update(
    *,
    actor: Any,
    case: Case,
    reach: Reach | None,
    goal: PlanGoal,
    text: str | None = None,
    status: str | None = None,
    services: Iterable[Any] | None = None,
    referrals: Iterable[Any] | None = None,
) -> list[str]:
    """Change what is given; returns the names of what changed."""
    require(work_policy.may_work(reach, case))
    _own_row(goal, case)
    cipher = cipher_for(case)
    changed: list[str] = []
    if text is not None:
        goal_text = clean_text("text", text, GOAL_TEXT_MAX)
        if goal_text != cipher.open(goal.text_sealed):
            goal.text_sealed = cipher.seal(goal_text)
            changed.append("text")
    if status is not None:
        clean_status = _goal_status(status)
        if clean_status != goal.status:
            goal.status = clean_status
            changed.append("status")
    if services is not None:
        linked_services = _services(services)
        if {s.pk for s in linked_services} != set(goal.services.values_list("pk", flat=True)):
            goal.services.set(linked_services)
            changed.append("services")
    if referrals is not None:
        linked_referrals = _referrals(case, referrals)
        if {r.pk for r in linked_referrals} != set(goal.referrals.values_list("pk", flat=True)):
            goal.referrals.set(linked_referrals)
            changed.append("referrals")
    if not changed:
        return []
    goal.save(update_fields=[f for f in ("text_sealed", "status") if f in _columns(changed)])
    audit_case(actor, "case.goal.update", case, goal_id=goal.pk, fields=changed, status=goal.status)
    tell_owner(case, actor)
    return changed


def _columns(changed: list[str]) -> set[str]:
    return {{"text": "text_sealed"}.get(name, name) for name in changed}


@transaction.atomic
def task_add(
    *,
    actor: Any,
    case: Case,
    reach: Reach | None,
    title: str,
    due_on: Any,
    assignee: Any = UNSET,
    goal: Any = None,
) -> CaseTask:
    """A task with a due date, for a caseworker of the organization (the actor unless
    another is named), optionally serving one goal of the plan."""
    require(work_policy.may_work(reach, case))
    clean_title = clean_text("title", title, TASK_TITLE_MAX)
    clean_due = _due(due_on)
    assignee_id = _assignee(case, actor if assignee is UNSET else assignee)
    clean_goal = _goal_of(case, goal)
    task = CaseTask.objects.create(
        case=case,
        goal=clean_goal,
        title_sealed=cipher_for(case).seal(clean_title),
        due_on=clean_due,
        assignee_id=assignee_id,
    )
    audit_case(
        actor,
        "case.task.add",
        case,
        task_id=task.pk,
        goal_id=task.goal_id,
        due_on=clean_due.isoformat(),
        assignee_id=str(assignee_id) if assignee_id else None,
    )
    tell_owner(case, actor)
    return task


@transaction.atomic
def task_update(
    *,
    actor: Any,
    case: Case,
    reach: Reach | None,
    task: CaseTask,
    title: str | None = None,
    due_on: Any = None,
    assignee: Any = UNSET,
    goal: Any = UNSET,
) -> list[str]:
    """Change what is given; a new due date or assignee may be reminded again."""
    require(work_policy.may_work(reach, case))
    _own_row(task, case)
    cipher = cipher_for(case)
    changed: list[str] = []
    if title is not None:
        clean_title = clean_text("title", title, TASK_TITLE_MAX)
        if clean_title != cipher.open(task.title_sealed):
            task.title_sealed = cipher.seal(clean_title)
            changed.append("title")
    if due_on is not None and due_on != "" and _date(due_on) != task.due_on:
        task.due_on = _due(due_on)
        changed.append("due_on")
    if assignee is not UNSET:
        assignee_id = _assignee(case, assignee)
        if assignee_id != task.assignee_id:
            task.assignee_id = assignee_id
            changed.append("assignee")
    if goal is not UNSET:
        clean_goal = _goal_of(case, goal)
        goal_id = clean_goal.pk if clean_goal else None
        if goal_id != task.goal_id:
            task.goal = clean_goal
            changed.append("goal")
    if not changed:
        return []
    if {"due_on", "assignee"} & set(changed):
        task.reminded_at = None  # a new date or a new person: remind afresh
    task.save()
    audit_case(
        actor,
        "case.task.update",
        case,
        task_id=task.pk,
        fields=changed,
        due_on=task.due_on.isoformat(),
        assignee_id=str(task.assignee_id) if task.assignee_id else None,
    )
    tell_owner(case, actor)
    return changed


@transaction.atomic
def task_done(*, actor: Any, case: Case, reach: Reach | None, task: CaseTask) -> CaseTask:
    """Mark a task done (once: marking it again changes nothing)."""
    require(work_policy.may_work(reach, case))
    _own_row(task, case)
    locked = CaseTask.objects.select_for_update().get(pk=task.pk)
    if locked.done_at is not None:
        return locked
    locked.done_at = timezone.now()
    locked.save(update_fields=["done_at"])
    audit_case(actor, "case.task.done", case, task_id=locked.pk)
    tell_owner(case, actor)
    return locked


# --- notes and documents -----------------------------------------------------------------


@transaction.atomic
def note_add(*, actor: Any, case: Case, reach: Reach | None, body: str) -> CaseNote:
    """A note, sealed, by the actor for the organization they act for on this case (a
    recipient organization may add notes when its share allows)."""
    if reach is None or not work_policy.may_add_note(reach, case):
        raise NotFound
    clean_body = clean_text("body", body, NOTE_MAX)
    organization_id = reach.organization_id or case.organization_id
    note = CaseNote.objects.create(
        case=case,
        body_sealed=cipher_for(case).seal(clean_body),
        author=actor,
        organization_id=organization_id,
    )
    audit_case(
        actor,
        "case.note.add",
        case,
        note_id=str(note.pk),
        organization_id=str(organization_id),
        reach=reach.mode,
    )
    tell_owner(case, actor)
    return note


@transaction.atomic
def document_add(
    *,
    actor: Any,
    case: Case,
    reach: Reach | None,
    data: bytes,
    filename: str,
    document_type: str,
) -> CaseDocument:
    """Check an upload by its content (type, size; image metadata stripped), seal its bytes
    under the case key into document storage and keep its sealed display name."""
    require(work_policy.may_work(reach, case))
    if document_type not in DocumentType.values:
        raise FieldError("document_type", f"must be one of {', '.join(DocumentType.values)}")
    clean = clean_document(data, filename=filename or "")
    cipher = cipher_for(case)
    document = CaseDocument(
        id=uuid.uuid4(),
        case=case,
        document_type=document_type,
        filename_sealed=cipher.seal(clean.filename),
        media_type=clean.media_type,
        size=len(clean.content),
        uploaded_by=actor,
    )
    storage.write_document(document.pk, cipher.seal_bytes(clean.content))
    try:
        document.save(force_insert=True)
        audit_case(
            actor,
            "case.document.add",
            case,
            document_id=str(document.pk),
            document_type=document_type,
            media_type=clean.media_type,
            size=document.size,
        )
        tell_owner(case, actor)
    except BaseException:
        storage.delete_document(document.pk)
        raise
    return document
