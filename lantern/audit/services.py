"""Writing and verifying the audit log.

Every service that changes state calls `audit_record` inside its own transaction, so the
event and the change commit or roll back together.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from lantern.audit.models import AuditEvent

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every writer of the chain.
_CHAIN_LOCK_KEY = 0x1A27E51


def _canonical(event: AuditEvent) -> bytes:
    content = {
        "id": event.pk,
        "created": event.created.isoformat(timespec="microseconds"),
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _lock_chain() -> None:
    # Appends must be serialised or two writers would chain onto the same predecessor.
    # SQLite serialises writers itself; PostgreSQL takes a transaction-scoped advisory lock.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "anonymous"
    return f"user:{actor.pk}"


@transaction.atomic
def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any,
    detail: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    _lock_chain()
    last = AuditEvent.objects.order_by("-id").only("id", "hash").first()
    prev_hash = last.hash if last else GENESIS_HASH
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        created=timezone.now(),
        actor=user,
        actor_label=actor_label or _actor_label(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
        prev_hash=prev_hash,
        # The id is part of the hashed content (so rows cannot be reordered), so the row is
        # inserted first with a unique placeholder and its hash set once the id is known.
        hash=f"pending-{uuid.uuid4().hex}",
    )
    event.save()
    event.hash = event_hash(event)
    event.save(update_fields=["hash"])
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def audit_verify() -> VerifyResult:
    """Walk the chain in id order; report the first event whose link or content is wrong."""
    prev_hash = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev_hash:
            return VerifyResult(
                False,
                checked,
                event.pk,
                "previous hash does not match: an earlier event was altered or deleted",
            )
        if event.hash != event_hash(event):
            return VerifyResult(False, checked, event.pk, "content does not match its hash")
        prev_hash = event.hash
        checked += 1
    return VerifyResult(True, checked)
