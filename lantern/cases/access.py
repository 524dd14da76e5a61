"""The disclosure log and the audit of reads: one place that records who saw a case.

Every read of personal fields writes an audit event (a list writes one event naming the
cases shown). A read or share by anyone who is not one of the case's assigned caseworkers
also goes into the case's disclosure log (`CaseAccess`), which the person can be given.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from lantern.audit.services import audit_record
from lantern.cases.models import Case, CaseAccess, CaseAssignment

OBJECT_TYPE = "case"


def _label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return f"user:{actor.pk}"


def log_access(
    *,
    cases: Sequence[Case],
    actor: Any,
    kind: str,
    organization_id: Any = None,
    groups: Iterable[str] = (),
    actor_label: str | None = None,
) -> None:
    """Disclosure-log rows for `cases` read or shared by `actor`, except the cases the actor
    is assigned to (their own work is not a disclosure)."""
    if not cases:
        return
    assigned: set[Any] = set()
    if actor is not None and getattr(actor, "is_authenticated", False):
        assigned = set(
            CaseAssignment.objects.filter(
                user=actor, case_id__in=[c.pk for c in cases]
            ).values_list("case_id", flat=True)
        )
    label = actor_label or _label(actor)
    group_list = sorted(set(groups))
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    CaseAccess.objects.bulk_create(
        CaseAccess(
            case=case,
            kind=kind,
            actor=user,
            actor_label=label,
            organization_id=organization_id,
            groups=group_list,
        )
        for case in cases
        if case.pk not in assigned
    )


def audit_read(
    *,
    cases: Sequence[Case],
    actor: Any,
    kind: str,
    organization_id: Any = None,
    groups: Iterable[str] = (),
    action: str = "case.read",
) -> None:
    """The audit event and disclosure-log rows for a read of personal fields."""
    if not cases:
        return
    group_list = sorted(set(groups))
    if len(cases) == 1:
        audit_record(
            actor=actor,
            action=action,
            object_type=OBJECT_TYPE,
            object_id=cases[0].pk,
            detail={"kind": kind, "groups": group_list},
        )
    else:
        audit_record(
            actor=actor,
            action=action,
            object_type=OBJECT_TYPE,
            object_id="list",
            detail={"kind": kind, "case_ids": [str(c.pk) for c in cases], "groups": group_list},
        )
    log_access(
        cases=cases, actor=actor, kind=kind, organization_id=organization_id, groups=group_list
    )
