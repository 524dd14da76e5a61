"""Reminders of case tasks (`lantern cases remind`, or the `remind_due_tasks` task).

Which tasks: not done, due tomorrow or earlier (overdue ones included), on a case that is
open (Active or FollowUp) and not purged, with an assignee, and not reminded in the last
day (`REMIND_EVERY`). Changing a task's due date or assignee clears its `reminded_at`.

Who and what: the assignee gets `case_task_due` (neutral text and a link to the case, no
personal data, as every notification), one per case however many of its tasks are due.
The tasks are locked while a run handles them (rows another run holds are skipped), so two
runs at once do not remind twice.
"""

from argparse import ArgumentParser
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from lantern.accounts.models import User
from lantern.audit.services import audit_record
from lantern.cases.fields import OPEN_STATUSES
from lantern.cases.models import CaseTask
from lantern.notify.services import notify_users

REMIND_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class RemindReport:
    tasks: int  # tasks reminded about
    people: int  # assignees told
    messages: int  # notifications (one per assignee and case)

    def as_dict(self) -> dict[str, int]:
        return {"tasks": self.tasks, "people": self.people, "messages": self.messages}


def tasks_due(now: datetime) -> Any:
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    return CaseTask.objects.filter(
        done_at__isnull=True,
        due_on__lte=tomorrow,
        assignee__isnull=False,
        assignee__is_active=True,
        case__status__in=OPEN_STATUSES,
        case__purged_at__isnull=True,
        case__merged_into__isnull=True,
    ).filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - REMIND_EVERY))


def remind_tasks(*, now: datetime | None = None, dry_run: bool = False) -> RemindReport:
    """Tell each assignee of their due tasks, once a day at most; see the module docstring."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            tasks_due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("assignee_id", "case_id", "id")
        )
        per_person: dict[Any, set[Any]] = defaultdict(set)
        for item in due:
            per_person[item.assignee_id].add(item.case_id)
        report = RemindReport(
            tasks=len(due),
            people=len(per_person),
            messages=sum(len(cases) for cases in per_person.values()),
        )
        if dry_run or not due:
            return report
        users = User.objects.in_bulk(list(per_person))
        for user_id, case_ids in per_person.items():
            for case_id in sorted(case_ids, key=str):
                notify_users(
                    users=[users[user_id]], kind="case_task_due", link_path=f"/cases/{case_id}/"
                )
        CaseTask.objects.filter(pk__in=[item.pk for item in due]).update(reminded_at=now)
        audit_record(
            actor=None,
            actor_label="system:case-remind",
            action="case.task.remind",
            object_type="case_reminder_run",
            object_id=now.isoformat(timespec="seconds"),
            detail={**report.as_dict(), "task_ids": [item.pk for item in due]},
        )
    return report


@task()
def remind_due_tasks() -> dict[str, int]:
    """The same run as `lantern cases remind`, for a task queue or a scheduler."""
    return remind_tasks().as_dict()


# --- `lantern cases remind` ---------------------------------------------------------------


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="count what would be sent, send nothing"
    )


def run(command: Any, **options: Any) -> None:
    report = remind_tasks(dry_run=bool(options.get("dry_run")))
    prefix = "would remind" if options.get("dry_run") else "reminded"
    command.stdout.write(
        f"{prefix} {report.people} people of {report.tasks} tasks ({report.messages} notifications)"
    )
