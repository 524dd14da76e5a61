"""Emptying personal fields in batches, for the referral and help-request purges."""

from typing import Any

from django.db.models import QuerySet

from lantern.audit.services import audit_record


def purge_rows(
    queryset: QuerySet[Any], *, values: dict[str, Any], action: str, object_type: str
) -> int:
    """Set `values` on every row of `queryset` not locked by another purge (SKIP LOCKED: two
    runs at once split the rows), with one audit event naming the rows (ids only). Call it
    inside a transaction. Returns how many rows were emptied."""
    model = queryset.model
    ids = list(
        queryset.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)
    )
    if not ids:
        return 0
    model._default_manager.filter(pk__in=ids).update(**values)
    audit_record(
        actor=None,
        actor_label="system",
        action=action,
        object_type=object_type,
        object_id="batch",
        detail={"count": len(ids), "ids": [str(pk) for pk in ids]},
    )
    return len(ids)
