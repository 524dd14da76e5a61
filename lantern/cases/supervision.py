"""A supervisor's writes across cases: handing a caseworker's cases to another, and merging
two records of the same person.

Both check that the actor supervises the cases' organization (a service never trusts its
caller to have asked), write in one transaction and leave audit events with ids and field
names only. The handover note is personal free text: it is sealed under each case's key as
a note on the case, never put in the audit log.
"""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from lantern.audit.services import audit_record
from lantern.cases import policy
from lantern.cases.keys import cipher_for
from lantern.cases.models import Case, CaseAssignment, CaseChange, CaseNote
from lantern.cases.services import (
    OBJECT_TYPE,
    SEALED_ATTR,
    band_on,
    case_worker_ids,
    history_value,
    reindex,
    tell_owner,
)
from lantern.core.api_errors import FieldError
from lantern.notify.services import notify_users

NOTE_MAX = 2000
# The status a merged case closes with.
MERGED_STATUS = "Closed"


def _check_note(note: Any) -> str:
    if not isinstance(note, str) or not note.strip():
        raise FieldError("note", "say why the cases are handed over")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise FieldError("note", f"at most {NOTE_MAX} characters")
    if "\x00" in note:
        raise FieldError("note", "must not contain NUL characters")
    return note


@transaction.atomic
def case_handover(
    *, actor: Any, from_user: Any, to_user: Any, cases: Sequence[Case], note: str
) -> list[Case]:
    """Hand `cases` (each assigned to `from_user`) to `to_user`: `to_user` is assigned and
    becomes the owner, `from_user` is unassigned, the note is added to each case (sealed,
    written by the supervisor) and `to_user` is told once. Returns the cases handed over."""
    text = _check_note(note)
    if from_user is None or to_user is None or from_user.pk == to_user.pk:
        raise FieldError("to_user", "choose another caseworker to take the cases")
    if not cases:
        raise FieldError("cases", "no case to hand over")
    locked = list(
        Case.objects.select_for_update().filter(pk__in=[c.pk for c in cases]).order_by("pk")
    )
    workers: dict[Any, set[Any]] = {}
    for case in locked:
        if not policy.may_supervise(actor, case.organization_id):
            raise FieldError("cases", "you do not supervise the cases of this organization")
        if case.merged_into_id is not None or case.purged_at is not None:
            raise FieldError("cases", f"case {case.number} can no longer be handed over")
        if case.organization_id not in workers:
            workers[case.organization_id] = case_worker_ids(case.organization)
        if to_user.pk not in workers[case.organization_id] or not to_user.is_active:
            raise FieldError("to_user", "must be an active caseworker of the organization")
        if not CaseAssignment.objects.filter(case=case, user=from_user).exists():
            raise FieldError("cases", f"case {case.number} is not assigned to that caseworker")
    now = timezone.now()
    for case in locked:
        CaseAssignment.objects.get_or_create(
            case=case, user=to_user, defaults={"assigned_by": actor, "assigned_at": now}
        )
        CaseAssignment.objects.filter(case=case, user=from_user).delete()
        previous_owner = case.owner_id
        case.owner = to_user
        case.updated = now
        case.save(update_fields=["owner", "updated"])
        note_row = CaseNote.objects.create(
            case=case,
            body_sealed=cipher_for(case).seal(text),
            author=actor,
            organization_id=case.organization_id,
            created=now,
        )
        audit_record(
            actor=actor,
            action="case.handover",
            object_type=OBJECT_TYPE,
            object_id=case.pk,
            detail={
                "from_user_id": str(from_user.pk),
                "to_user_id": str(to_user.pk),
                "previous_owner_id": str(previous_owner) if previous_owner else None,
                "note_id": str(note_row.pk),
            },
        )
    link = f"/cases/{locked[0].pk}/" if len(locked) == 1 else "/cases/"
    notify_users(users=[to_user], kind="case_assigned", link_path=link)
    return locked


def _change(case: Case, field: str, old: str, new: str, actor: Any, now: Any) -> CaseChange:
    cipher = cipher_for(case)
    return CaseChange(
        case=case,
        field=field,
        old_sealed=cipher.seal(old),
        new_sealed=cipher.seal(new),
        actor=actor,
        at=now,
    )


@transaction.atomic
def case_merge(*, actor: Any, keep: Case, merge: Case) -> list[str]:
    """Merge `merge` into `keep` (two records of one person in one organization).

    `merge` is closed and points at `keep` (`merged_into`); everything of it (notes,
    documents, plan, assessments, places, history, assignments, shares) stays on it, so
    both histories are kept, and it leaves every list. Each personal field of `keep` that
    is empty is filled from `merge`, and each fill is a change in `keep`'s history. Returns
    the names of the fields filled."""
    if keep.pk == merge.pk:
        raise FieldError("merge", "a case cannot be merged into itself")
    pair = {
        c.pk: c
        for c in Case.objects.select_for_update().filter(pk__in=[keep.pk, merge.pk]).order_by("pk")
    }
    kept, merged = pair[keep.pk], pair[merge.pk]
    if not policy.may_supervise(actor, kept.organization_id):
        raise FieldError("keep", "you do not supervise the cases of this organization")
    if merged.organization_id != kept.organization_id:
        raise FieldError("merge", "only cases of the same organization can be merged")
    for name, case in (("keep", kept), ("merge", merged)):
        if case.merged_into_id is not None:
            raise FieldError(name, f"case {case.number} was already merged into another")
        if case.purged_at is not None:
            raise FieldError(name, f"case {case.number} was purged")
    now = timezone.now()
    keep_cipher, merge_cipher = cipher_for(kept), cipher_for(merged)
    history: list[CaseChange] = []
    filled: list[str] = []
    for name, attr in SEALED_ATTR.items():
        if keep_cipher.open(getattr(kept, attr)):
            continue
        value = merge_cipher.open(getattr(merged, attr))
        if not value:
            continue
        setattr(kept, attr, keep_cipher.seal(value))
        history.append(_change(kept, name, "", value, actor, now))
        filled.append(name)
    if "birth_year" in filled:
        band = band_on(
            int(keep_cipher.open(kept.birth_year_sealed)), kept.identified_on or kept.opened_on
        )
        if band != kept.age_band:
            history.append(
                _change(
                    kept, "age_band", history_value(kept.age_band), history_value(band), actor, now
                )
            )
            kept.age_band = band
    history.append(_change(kept, "merged_from", "", merged.number, actor, now))
    old_status = merged.status
    merged.merged_into = kept
    merged.status = MERGED_STATUS
    merged.closed_on = merged.closed_on or timezone.localdate()
    merged.updated = now
    merged.save(update_fields=["merged_into", "status", "closed_on", "updated"])
    history.append(_change(merged, "merged_into", "", kept.number, actor, now))
    if old_status != MERGED_STATUS:
        history.append(
            _change(
                merged,
                "status",
                history_value(old_status),
                history_value(MERGED_STATUS),
                actor,
                now,
            )
        )
    kept.updated = now
    kept.save(update_fields=[*SEALED_ATTR.values(), "age_band", "updated"])
    CaseChange.objects.bulk_create(history)
    if {"alias", "birth_year"} & set(filled):
        reindex(kept, keep_cipher)
    audit_record(
        actor=actor,
        action="case.merge",
        object_type=OBJECT_TYPE,
        object_id=kept.pk,
        detail={
            "merged_case_id": str(merged.pk),
            "merged_number": merged.number,
            "filled": filled,
        },
    )
    if filled:
        tell_owner(kept, actor)
    keep.refresh_from_db()
    merge.refresh_from_db()
    return filled
