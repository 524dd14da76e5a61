"""Writing and verifying the audit log.

Every service that changes state calls `audit_record` inside its own transaction, so the
event and the change commit or roll back together. Each append also moves the signed head
(`AuditHead`) to the new event, so deleting the newest events is detected too.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from lantern.audit.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every writer of the chain.
_CHAIN_LOCK_KEY = 0x1A27E51
_HEAD_SALT = "lantern.audit.head"


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
    head_move(event)
    return event


def _head_value(event_id: int, hash_: str) -> str:
    return f"{event_id}:{hash_}"


def head_move(event: AuditEvent) -> None:
    """Point the signed head at `event` (the newest); called under the chain lock."""
    fields = {
        "event_id": event.pk,
        "hash": event.hash,
        "signature": signing.Signer(salt=_HEAD_SALT).signature(_head_value(event.pk, event.hash)),
        "updated": timezone.now(),
    }
    if not AuditHead.objects.filter(pk=1).update(**fields):
        AuditHead.objects.create(pk=1, **fields)


def _head_signed(head: AuditHead) -> bool:
    value = _head_value(head.event_id, head.hash)
    try:
        # unsign() also accepts signatures made with SECRET_KEY_FALLBACKS.
        return signing.Signer(salt=_HEAD_SALT).unsign(f"{value}:{head.signature}") == value
    except signing.BadSignature:
        return False


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def audit_verify(*, checkpoint: tuple[int, str] | None = None) -> VerifyResult:
    """Walk the chain in id order; report the first event whose link or content is wrong,
    then check that the chain ends where the signed head says it does.

    `checkpoint` is an (event id, hash) pair recorded outside Lantern earlier (the output of
    a previous verify); it catches a log cut back to an older head copied from a backup.
    """
    prev_hash = GENESIS_HASH
    checked = 0
    last: AuditEvent | None = None
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
        last = event
    return _verify_head(last, checked, checkpoint)


def _verify_head(
    last: AuditEvent | None, checked: int, checkpoint: tuple[int, str] | None
) -> VerifyResult:
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        if last is None:
            return VerifyResult(True, 0)
        return VerifyResult(False, checked, last.pk, "the signed head is missing")
    if not _head_signed(head):
        return VerifyResult(False, checked, head.event_id, "the signed head's signature is wrong")
    if last is None or head.event_id > last.pk:
        return VerifyResult(
            False, checked, head.event_id, "the newest events were deleted (the head names it)"
        )
    if head.event_id != last.pk or head.hash != last.hash:
        after = AuditEvent.objects.filter(pk__gt=head.event_id).order_by("id").first()
        return VerifyResult(
            False,
            checked,
            after.pk if after else last.pk,
            f"the chain does not end at the signed head (event {head.event_id})",
        )
    if checkpoint is not None:
        event_id, hash_ = checkpoint
        if not AuditEvent.objects.filter(pk=event_id, hash=hash_).exists():
            return VerifyResult(
                False,
                checked,
                event_id,
                "the checkpoint's event is gone or changed: the log was cut back or rewritten",
            )
    return VerifyResult(True, checked)


def audit_head() -> AuditHead | None:
    return AuditHead.objects.filter(pk=1).first()
