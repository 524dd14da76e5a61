from typing import Any

from django.core.management.base import CommandError

from lantern.audit.services import audit_verify
from lantern.core.commands import SubcommandCommand


class Command(SubcommandCommand):
    help = "The tamper-evident audit log."
    verbs = {"verify": "check the hash chain; exit 1 naming the first bad event"}

    def handle_verify(self, **options: Any) -> None:
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"audit log broken at event {result.first_bad_id}: {result.reason} "
                f"({result.checked} events verified before it)"
            )
        self.stdout.write(f"audit log intact: {result.checked} events verified")
