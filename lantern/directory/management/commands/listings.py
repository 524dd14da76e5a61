from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from lantern.core.commands import SubcommandCommand
from lantern.directory.verification import services_unverified, unverified_notify


class Command(SubcommandCommand):
    help = "Directory listings and their verification."
    verbs = {"unverified": "list listings not verified in LANTERN_LISTING_VERIFY_MONTHS"}

    def add_unverified_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--months",
            type=int,
            default=None,
            help="override LANTERN_LISTING_VERIFY_MONTHS",
        )
        parser.add_argument(
            "--notify", action="store_true", help="email a summary to every coalition admin"
        )

    def handle_unverified(self, *, months: int | None, notify: bool, **_: Any) -> None:
        months = settings.LANTERN_LISTING_VERIFY_MONTHS if months is None else months
        if months < 1:
            raise CommandError("months: must be 1 or more")
        listings = list(services_unverified(months=months))
        self.stdout.write(f"{len(listings)} listings not verified in {months} months")
        for service in listings:
            assured = service.assured_date.isoformat() if service.assured_date else "never"
            self.stdout.write(
                f"{service.pk}\t{service.name}\t{service.organization.name}\t{assured}"
            )
        if notify:
            report = unverified_notify(months=months)
            self.stdout.write(f"emailed {report.emails} of {report.admins} coalition admins")
            if report.failures:
                raise CommandError(f"{report.failures} emails could not be sent")
