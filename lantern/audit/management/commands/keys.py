from typing import Any

from lantern.audit.services import audit_record
from lantern.core.commands import SubcommandCommand
from lantern.core.crypto import rotate_all


class Command(SubcommandCommand):
    help = "Encryption keys for personal fields (LANTERN_ENCRYPTION_KEYS, newest first)."
    verbs = {"rotate": "re-encrypt every encrypted field with the newest key"}

    def handle_rotate(self, **_: Any) -> None:
        counts = rotate_all()
        audit_record(
            actor=None,
            actor_label="system:keys",
            action="keys.rotate",
            object_type="encryption",
            object_id="all",
            detail={"rows": counts},
        )
        total = sum(counts.values())
        for label, count in counts.items():
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(f"re-encrypted {total} values with the newest key")
