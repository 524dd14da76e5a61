from typing import Any

from django.core.management.base import CommandError

from lantern.core.commands import SubcommandCommand
from lantern.directory.reminders import capacity_remind


class Command(SubcommandCommand):
    help = "Capacity figures kept up to date by providers."
    verbs = {"remind": "send one-tap reminders to provider staff whose capacity is aging"}

    def add_remind_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="count what would be sent; send and record nothing",
        )

    def handle_remind(self, *, dry_run: bool, **_: Any) -> None:
        report = capacity_remind(dry_run=dry_run)
        if report.skipped:
            self.stdout.write("another reminder run is under way; nothing sent")
            return
        verb = "would send" if report.dry_run else "sent"
        self.stdout.write(
            f"{report.due} capacities due ({report.unreachable} without provider staff); "
            f"{verb} {report.emails} emails and {report.sms} SMS to {report.recipients} people"
        )
        if report.failures:
            # Non-zero exit so that cron or the scheduler reports it; the log has details.
            raise CommandError(f"{report.failures} messages could not be sent")
