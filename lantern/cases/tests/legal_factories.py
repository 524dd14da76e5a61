"""Helpers for the legal part's tests: the legal keepers (an organization admin, a case
supervisor), closing a case, case rows of the work part, and running `lantern cases purge`."""

import sys
import types
from datetime import date, timedelta
from importlib import import_module
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from lantern.accounts.models import Role, User
from lantern.cases.keys import cipher_for
from lantern.cases.models import (
    Approval,
    Assessment,
    Case,
    CaseDocument,
    CaseNote,
    CaseTask,
    PlanGoal,
)
from lantern.cases.storage import document_path
from lantern.cases.tests.factories import member, open_case
from lantern.testing import World


def org_admin(world: World, org: str = "b") -> User:
    return member(
        getattr(world, f"org_{org}"), Role.ORGANIZATION_ADMIN, f"orgadmin_{org}@example.test"
    )


def close(case: Case, on: date, status: str = "Closed") -> Case:
    """Close a case as the work part's approved closure would (status and date only)."""
    Case.objects.filter(pk=case.pk).update(status=status, closed_on=on)
    case.refresh_from_db()
    return case


def closed_case(world: World, *, days_ago: int, org: str = "b", **overrides: Any) -> Case:
    case = open_case(world, org=org, **overrides)
    return close(case, timezone.localdate() - timedelta(days=days_ago))


def add_work(
    case: Case,
    *,
    author: User,
    note: str,
    goal: str,
    task: str,
    comment: str,
    document_name: str,
    document_bytes: bytes,
) -> dict[str, Any]:
    """Rows the work part writes (sealed under the case key as its services seal them),
    and one stored document file."""
    cipher = cipher_for(case)
    note_row = CaseNote.objects.create(
        case=case, body_sealed=cipher.seal(note), author=author, organization=case.organization
    )
    goal_row = PlanGoal.objects.create(case=case, domain="housing", text_sealed=cipher.seal(goal))
    task_row = CaseTask.objects.create(
        case=case,
        goal=goal_row,
        title_sealed=cipher.seal(task),
        due_on=date(2019, 6, 30),
        assignee=author,
    )
    approval = Approval.objects.create(
        case=case,
        kind="closure",
        state="approved",
        closing_status="Closed",
        requested_by=author,
        decided_by=author,
        decided_at=timezone.now(),
        comment_sealed=cipher.seal(comment),
    )
    document = CaseDocument.objects.create(
        case=case,
        document_type="identity",
        filename_sealed=cipher.seal(document_name),
        media_type="application/pdf",
        size=len(document_bytes),
        uploaded_by=author,
    )
    path = document_path(document.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cipher.seal_bytes(document_bytes))
    intake = Assessment.objects.create(
        case=case,
        kind="intake",
        assessed_on=date(2019, 4, 2),
        scores={"safety": 2, "housing": 1},
        assessor=author,
    )
    closure = Assessment.objects.create(
        case=case,
        kind="closure",
        assessed_on=date(2019, 9, 1),
        scores={"safety": 4, "housing": 3},
        assessor=author,
    )
    return {
        "note": note_row,
        "goal": goal_row,
        "task": task_row,
        "approval": approval,
        "document": document,
        "assessments": [intake, closure],
    }


def _stub_unmerged_verbs() -> dict[str, types.ModuleType]:
    """The `cases` command wires every part's verb; parts not merged into this branch yet
    are stubbed so `purge` can run. Once they are merged, nothing is stubbed."""
    from lantern.cases.management.commands import cases as command

    stubs = {}
    for module_name in command.MODULES.values():
        try:
            import_module(module_name)
        except ModuleNotFoundError:
            stub = types.ModuleType(module_name)
            stub.add_arguments = lambda parser: None  # type: ignore[attr-defined]
            stub.run = lambda command, **options: None  # type: ignore[attr-defined]
            stubs[module_name] = stub
    return stubs


def run_purge(monkeypatch: Any, *args: str) -> str:
    for name, stub in _stub_unmerged_verbs().items():
        monkeypatch.setitem(sys.modules, name, stub)
    out = StringIO()
    call_command("cases", "purge", *args, stdout=out)
    return out.getvalue()


__all__ = ["add_work", "close", "closed_case", "open_case", "org_admin", "run_purge"]
