"""Task reminders: due tomorrow or overdue, not done, once a day at most, to the assignee,
with no personal data in the message."""

import importlib.util
from argparse import ArgumentParser
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.cases import reminders
from lantern.cases import work_services as services
from lantern.cases.models import Case, CaseTask
from lantern.cases.tests.factories import member, open_case
from lantern.cases.tests.work_support import reach_of
from lantern.notify.models import Notification

pytestmark = pytest.mark.django_db

TITLE = "Call Rosa's lawyer at 555-0199"


@pytest.fixture
def case(world):
    return open_case(world)


def _task(world, case, days: int, assignee=None) -> CaseTask:
    actor = world["provider_b"].user
    task = services.task_add(
        actor=actor,
        case=case,
        reach=reach_of(actor, case),
        title=TITLE,
        due_on=timezone.localdate(),
        assignee=assignee or actor,
    )
    # Overdue tasks cannot be made through the service (no due date in the past).
    CaseTask.objects.filter(pk=task.pk).update(due_on=timezone.localdate() + timedelta(days=days))
    task.refresh_from_db()
    return task


def _sent():
    return Notification.objects.filter(kind="case_task_due")


def test_due_tomorrow_and_overdue_tasks_are_reminded_once(world, case):
    tomorrow = _task(world, case, 1)
    overdue = _task(world, case, -3)
    later = _task(world, case, 2)
    report = reminders.remind_tasks()
    assert report.tasks == 2
    assert report.people == 1
    assert report.messages == 1  # one message per assignee and case
    sent = _sent()
    assert {n.recipient_id for n in sent} == {world["provider_b"].user.pk}
    assert {n.link_path for n in sent} == {f"/cases/{case.pk}/"}
    for task in (tomorrow, overdue, later):
        task.refresh_from_db()
    assert tomorrow.reminded_at is not None and overdue.reminded_at is not None
    assert later.reminded_at is None
    count = sent.count()
    assert reminders.remind_tasks().tasks == 0
    assert _sent().count() == count


def test_reminded_again_after_a_day(world, case):
    task = _task(world, case, -1)
    now = timezone.now()
    reminders.remind_tasks(now=now)
    assert reminders.remind_tasks(now=now + timedelta(hours=23)).tasks == 0
    assert reminders.remind_tasks(now=now + timedelta(days=1, minutes=1)).tasks == 1
    task.refresh_from_db()
    assert task.reminded_at > now


def test_done_tasks_closed_cases_and_unassigned_tasks_are_left_alone(world, case):
    done = _task(world, case, -1)
    CaseTask.objects.filter(pk=done.pk).update(done_at=timezone.now())
    unassigned = _task(world, case, 0)
    CaseTask.objects.filter(pk=unassigned.pk).update(assignee=None)
    closed = open_case(world, alias="Ana Example")
    _task(world, closed, -1)
    Case.objects.filter(pk=closed.pk).update(status="Closed")
    assert reminders.remind_tasks().tasks == 0
    assert not _sent().exists()


def test_each_assignee_is_told_of_their_own_tasks(world, case):
    colleague = member(world.org_b, "caseworker", "colleague_b@example.test")
    _task(world, case, 0, assignee=colleague)
    _task(world, case, 0)
    other = open_case(world, alias="Ana Example")
    _task(world, other, -2, assignee=colleague)
    report = reminders.remind_tasks()
    assert (report.tasks, report.people, report.messages) == (3, 2, 3)
    to_colleague = _sent().filter(recipient=colleague)
    assert {n.link_path for n in to_colleague} == {f"/cases/{case.pk}/", f"/cases/{other.pk}/"}


def test_the_run_is_audited_with_ids_and_counts_only(world, case):
    task = _task(world, case, 0)
    reminders.remind_tasks()
    event = AuditEvent.objects.get(action="case.task.remind")
    assert event.detail["task_ids"] == [task.pk]
    assert event.detail["tasks"] == 1
    assert "555-0199" not in str(event.detail) and "lawyer" not in str(event.detail)


def test_a_dry_run_sends_nothing(world, case):
    task = _task(world, case, 0)
    report = reminders.remind_tasks(dry_run=True)
    assert report.tasks == 1
    assert not _sent().exists()
    task.refresh_from_db()
    assert task.reminded_at is None


class _Command:
    def __init__(self) -> None:
        self.stdout = StringIO()


def _run(*args: str) -> str:
    parser = ArgumentParser()
    reminders.add_arguments(parser)
    command = _Command()
    reminders.run(command, **vars(parser.parse_args(list(args))))
    return command.stdout.getvalue()


def test_the_command_verb(world, case):
    _task(world, case, 0)
    assert "would remind 1 people of 1 tasks" in _run("--dry-run")
    assert not _sent().exists()
    assert "reminded 1 people of 1 tasks (1 notifications)" in _run()
    assert _sent().exists()


def _every_verb_module_exists() -> bool:
    from lantern.cases.management.commands.cases import MODULES

    return all(importlib.util.find_spec(name) is not None for name in MODULES.values())


@pytest.mark.skipif(
    not _every_verb_module_exists(), reason="the other verbs' modules are not merged yet"
)
def test_lantern_cases_remind(world, case):
    _task(world, case, 0)
    out = StringIO()
    call_command("cases", "remind", stdout=out)
    assert "reminded 1 people of 1 tasks (1 notifications)" in out.getvalue()
    assert _sent().exists()


def test_the_task_runs_the_same_reminders(world, case):
    _task(world, case, 0)
    result = reminders.remind_due_tasks.enqueue()
    assert result.return_value == {"tasks": 1, "people": 1, "messages": 1}
    assert _sent().exists()


def test_the_message_carries_no_personal_data(
    world, case, mailoutbox, django_capture_on_commit_callbacks
):
    _task(world, case, 0)
    with django_capture_on_commit_callbacks(execute=True):
        reminders.remind_tasks()
    assert mailoutbox, "the reminder e-mail was delivered"
    for message in mailoutbox:
        assert "555-0199" not in message.body and "lawyer" not in message.body
        assert "Rosa" not in message.body and "Rosa" not in message.subject
