"""Case API: the work on a case. `GET/POST /cases/{case_id}/notes`, `GET /cases/{case_id}/tasks`.

A case the caller may not see, or a group of it their reach does not cover ("notes",
"plan"), is 404 like a missing one. Every list that opens sealed text writes an audit event
(and a disclosure-log row for anyone but an assigned caseworker).
"""

from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status as Answer
from pydantic import ConfigDict, StringConstraints

from lantern.accounts.api_auth import api_user, write_auth
from lantern.cases import selectors, work_policy, work_selectors
from lantern.cases import work_services as services
from lantern.core.api_errors import WRITE_ERRORS
from lantern.core.bounds import Limit, Offset
from lantern.core.errors import NotFound

router = Router(tags=["cases"])

Errors = WRITE_ERRORS


class NoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, StringConstraints(min_length=1, max_length=services.NOTE_MAX)]


class PageQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    limit: int = Limit(50, 200)
    offset: Offset = 0


def _note_json(item: work_selectors.NoteView) -> dict[str, Any]:
    note = item.note
    return {
        "id": str(note.pk),
        "body": item.body,
        "author_id": str(note.author_id) if note.author_id else None,
        "organization_id": str(note.organization_id),
        "created": note.created.isoformat(),
    }


def _task_json(item: work_selectors.TaskView) -> dict[str, Any]:
    task = item.task
    return {
        "id": task.pk,
        "title": item.title,
        "due_on": task.due_on.isoformat(),
        "done": task.done_at is not None,
        "done_at": task.done_at.isoformat() if task.done_at else None,
        "overdue": item.overdue,
        "assignee_id": str(task.assignee_id) if task.assignee_id else None,
        "goal_id": task.goal_id,
    }


def _conflict(msg: str) -> Any:
    return Answer(409, {"detail": [{"loc": ["path", "case_id"], "msg": msg}]})


@router.get(
    "/cases/{case_id}/notes",
    response={200: dict[str, Any], **Errors},
    auth=write_auth,
    summary="A case's notes, newest first (404 unless your reach covers notes)",
)
def notes_list(request: HttpRequest, case_id: UUID, query: Query[PageQuery]) -> Any:
    user = api_user(request)
    case, reach = selectors.case_for_user(user, case_id)
    page = work_selectors.notes_read(
        actor=user, case=case, reach=reach, limit=query.limit, offset=query.offset
    )
    return {"total": page.total, "results": [_note_json(item) for item in page.items]}


@router.post(
    "/cases/{case_id}/notes",
    response={201: dict[str, Any], 409: dict[str, Any], **Errors},
    auth=write_auth,
    summary="Add a note (sealed under the case key)",
    description=(
        "The case's caseworkers and supervisors may add notes; a recipient organization may "
        "when its share allows it and grants notes. 409 when you may read the notes but not "
        "add one (the share does not allow it, or the case was purged)."
    ),
)
def notes_add(request: HttpRequest, case_id: UUID, payload: NoteIn) -> Any:
    user = api_user(request)
    case, reach = selectors.case_for_user(user, case_id)
    if not work_policy.may_add_note(reach, case):
        if not work_policy.sees_notes(reach):
            raise NotFound
        return _conflict("you may read this case's notes but not add one")
    note = services.note_add(actor=user, case=case, reach=reach, body=payload.body)
    item = work_selectors.NoteView(
        note=note,
        body=payload.body.strip(),
        author=str(getattr(user, "display_name", "") or ""),
        organization=str(note.organization_id),
    )
    return Answer(201, _note_json(item))


@router.get(
    "/cases/{case_id}/tasks",
    response={200: dict[str, Any], **Errors},
    auth=write_auth,
    summary="A case's tasks by due date (404 unless your reach covers the plan)",
)
def tasks_list(request: HttpRequest, case_id: UUID, query: Query[PageQuery]) -> Any:
    user = api_user(request)
    case, reach = selectors.case_for_user(user, case_id)
    page = work_selectors.tasks_read(
        actor=user,
        case=case,
        reach=reach,
        limit=query.limit,
        offset=query.offset,
        today=timezone.localdate(),
    )
    return {"total": page.total, "results": [_task_json(item) for item in page.items]}
