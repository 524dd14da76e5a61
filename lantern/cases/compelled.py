"""Compelled disclosure (VAWA, 34 U.S.C. 12291(b)(2)): a subpoena, court order, warrant or
statute that makes the organization release part of a case.

The record says what was asked (in the order's words, under the deployment keys), which
groups of the case the order covers, the legal review, and whether and how the person was
told, unless the order forbids telling them. Nothing leaves before the legal review is
recorded and the person was told (or may not be). The release is built from exactly the
ordered groups; its SHA-256 is kept (not the file), a disclosure-log row of kind
"compelled" is written for the person to see, and every step is audited.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.audit.services import audit_record
from lantern.cases import policy
from lantern.cases.keys import CaseCipher, cipher_for
from lantern.cases.legal_selectors import release_blockers
from lantern.cases.models import Case, CaseAccess, CompelledDisclosure
from lantern.cases.models.case import AccessKind
from lantern.cases.models.legal import OrderKind
from lantern.cases.reading import case_values
from lantern.consent.models import CaseGroup
from lantern.core.api_errors import FieldError
from lantern.core.bounds import check_date
from lantern.core.errors import NotFound

REQUESTED_MAX = 4000
REVIEW_MAX = 4000
OBJECT_TYPE = "case"
RELEASE_FORMAT = "lantern-compelled-release-1"


class NoticeMethod(models.TextChoices):
    """How the person was told (a code, so no address or number is ever stored here)."""

    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    MAIL = "mail", _("By letter")
    EMAIL = "email", _("By e-mail")
    ATTORNEY = "attorney", _("Through their attorney")
    OTHER = "other", _("Another safe way")


# Why a release is refused, by blocker code (`legal_selectors.release_blockers`).
BLOCKER_FIELDS = {
    "released": "released_at",
    "purged": "case",
    "review": "legal_review",
    "notice": "notified_on",
}
BLOCKER_MESSAGES = {
    "released": "this order was already answered with a release",
    "purged": "this case was purged: its personal data no longer exists",
    "review": "record the legal review first",
    "notice": "record how the person was told, or that the order forbids telling them",
}


@dataclass(frozen=True)
class Release:
    content: bytes
    filename: str
    sha256: str


# --- Checks ---------------------------------------------------------------------------


def _text(field: str, value: Any, limit: int, *, required: bool) -> str:
    value = str(value or "").strip()
    if required and not value:
        raise FieldError(field, "required")
    if len(value) > limit:
        raise FieldError(field, f"at most {limit} characters")
    if "\x00" in value:
        raise FieldError(field, "must not contain NUL characters")
    return value


def _day(field: str, value: Any, *, required: bool) -> date | None:
    if value in (None, ""):
        if required:
            raise FieldError(field, "required")
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise FieldError(field, "must be a date")
    try:
        check_date(value)
    except ValueError as exc:
        raise FieldError(field, "must be between the years 1900 and 2100") from exc
    if value > timezone.localdate():
        raise FieldError(field, "cannot be in the future")
    return value


def _groups(value: Any) -> list[str]:
    groups = sorted(set(value or []))
    if not groups:
        raise FieldError("groups", "choose at least one group the order covers")
    unknown = [g for g in groups if g not in CaseGroup.values]
    if unknown:
        raise FieldError("groups", f"unknown group: {unknown[0]}")
    return groups


def _review(received_on: date, legal_review: Any, reviewed_on: Any) -> tuple[str, date | None]:
    review = _text("legal_review", legal_review, REVIEW_MAX, required=False)
    day = _day("reviewed_on", reviewed_on, required=bool(review))
    if day is not None and not review:
        raise FieldError("legal_review", "write what the legal review found")
    if day is not None and day < received_on:
        raise FieldError("reviewed_on", "cannot be before the order was received")
    return review, day


def _notice(forbidden: bool, notified_on: Any, notified_how: Any) -> tuple[date | None, str]:
    how = str(notified_how or "").strip()
    if forbidden:
        if notified_on or how:
            raise FieldError("notified_on", "the order forbids notification: leave it empty")
        return None, ""
    day = _day("notified_on", notified_on, required=bool(how))
    if day is not None and not how:
        raise FieldError("notified_how", "say how the person was told")
    if how and how not in NoticeMethod.values:
        raise FieldError("notified_how", f"unknown way: {how}")
    return day, how


# --- Recording ------------------------------------------------------------------------


@transaction.atomic
def compelled_record(
    *,
    actor: Any,
    case: Case,
    order_kind: str,
    received_on: date,
    requested: str,
    groups: list[str],
    legal_review: str = "",
    reviewed_on: date | None = None,
    notification_forbidden: bool = False,
    notified_on: date | None = None,
    notified_how: str = "",
) -> CompelledDisclosure:
    """Record an order received for one case (legal keepers of its organization)."""
    if not policy.may_keep_legal_records(actor, case.organization_id):
        raise NotFound
    if order_kind not in OrderKind.values:
        raise FieldError("order_kind", f"unknown kind: {order_kind}")
    received = _day("received_on", received_on, required=True) or received_on
    requested = _text("requested", requested, REQUESTED_MAX, required=True)
    chosen = _groups(groups)
    review, review_day = _review(received, legal_review, reviewed_on)
    notice_day, how = _notice(notification_forbidden, notified_on, notified_how)
    disclosure = CompelledDisclosure.objects.create(
        case=case,
        order_kind=order_kind,
        received_on=received,
        requested=requested,
        groups=chosen,
        legal_review=review,
        reviewed_on=review_day,
        notification_forbidden=bool(notification_forbidden),
        notified_on=notice_day,
        notified_how=how,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="compelled.record",
        object_type=OBJECT_TYPE,
        object_id=case.pk,
        detail={
            "disclosure_id": disclosure.pk,
            "order_kind": order_kind,
            "groups": chosen,
            "reviewed": review_day is not None,
            "notification_forbidden": bool(notification_forbidden),
            "notified": notice_day is not None,
        },
    )
    return disclosure


@transaction.atomic
def compelled_update(
    *,
    actor: Any,
    disclosure: CompelledDisclosure,
    legal_review: str,
    reviewed_on: date | None,
    notification_forbidden: bool,
    notified_on: date | None,
    notified_how: str,
) -> CompelledDisclosure:
    """Record the legal review and the notice (until the release; then the record is what
    was done and stays as it is)."""
    locked = (
        CompelledDisclosure.objects.select_for_update().select_related("case").get(pk=disclosure.pk)
    )
    if not policy.may_keep_legal_records(actor, locked.case.organization_id):
        raise NotFound
    if locked.released_at is not None:
        raise FieldError("released_at", BLOCKER_MESSAGES["released"])
    review, review_day = _review(locked.received_on, legal_review, reviewed_on)
    notice_day, how = _notice(notification_forbidden, notified_on, notified_how)
    locked.legal_review, locked.reviewed_on = review, review_day
    locked.notification_forbidden = bool(notification_forbidden)
    locked.notified_on, locked.notified_how = notice_day, how
    locked.save(
        update_fields=[
            "legal_review",
            "reviewed_on",
            "notification_forbidden",
            "notified_on",
            "notified_how",
        ]
    )
    audit_record(
        actor=actor,
        action="compelled.update",
        object_type=OBJECT_TYPE,
        object_id=locked.case_id,
        detail={
            "disclosure_id": locked.pk,
            "reviewed": review_day is not None,
            "notification_forbidden": locked.notification_forbidden,
            "notified": notice_day is not None,
        },
    )
    return locked


def compelled_read(*, actor: Any, disclosure: CompelledDisclosure) -> None:
    """Audit that someone read an order's record (what it asks, the legal review)."""
    audit_record(
        actor=actor,
        action="compelled.read",
        object_type=OBJECT_TYPE,
        object_id=disclosure.case_id,
        detail={"disclosure_id": disclosure.pk},
    )


# --- The release ----------------------------------------------------------------------


def _plan(case: Case, cipher: CaseCipher) -> dict[str, Any]:
    goals = [
        {
            "id": goal.pk,
            "domain": goal.domain,
            "status": goal.status,
            "text": cipher.open(goal.text_sealed),
        }
        for goal in case.goals.order_by("domain", "created", "pk")
    ]
    tasks = [
        {
            "goal_id": task.goal_id,
            "title": cipher.open(task.title_sealed),
            "due_on": task.due_on,
            "done_at": task.done_at,
        }
        for task in case.tasks.order_by("due_on", "pk")
    ]
    return {"goals": goals, "tasks": tasks}


def _assessments(case: Case) -> list[dict[str, Any]]:
    return [
        {"kind": a.kind, "assessed_on": a.assessed_on, "scores": a.scores}
        for a in case.assessments.order_by("assessed_on", "pk")
    ]


def _notes(case: Case, cipher: CaseCipher) -> list[dict[str, Any]]:
    return [
        {
            "id": str(note.pk),
            "created": note.created,
            "organization_id": str(note.organization_id),
            "text": cipher.open(note.body_sealed),
        }
        for note in case.notes.order_by("created", "pk")
    ]


def _documents(case: Case, cipher: CaseCipher) -> list[dict[str, Any]]:
    return [
        {
            "id": str(doc.pk),
            "document_type": doc.document_type,
            "filename": cipher.open(doc.filename_sealed),
            "media_type": doc.media_type,
            "size": doc.size,
            "created": doc.created,
        }
        for doc in case.documents.order_by("created", "pk")
    ]


def release_document(
    disclosure: CompelledDisclosure, case: Case, released_at: datetime
) -> dict[str, Any]:
    """What a release contains: the order's reference, the case's number and status, and
    exactly the ordered groups (documents as a list of what exists, not their bytes)."""
    groups = frozenset(disclosure.groups)
    cipher = cipher_for(case)
    document: dict[str, Any] = {
        "format": RELEASE_FORMAT,
        "order": {
            "disclosure_id": disclosure.pk,
            "order_kind": disclosure.order_kind,
            "received_on": disclosure.received_on,
            "groups": sorted(groups),
            "released_at": released_at,
        },
        "case": case_values(case, groups),
    }
    if CaseGroup.PLAN in groups:
        document["plan"] = _plan(case, cipher)
    if CaseGroup.ASSESSMENTS in groups:
        document["assessments"] = _assessments(case)
    if CaseGroup.NOTES in groups:
        document["notes"] = _notes(case, cipher)
    if CaseGroup.DOCUMENTS in groups:
        document["documents"] = _documents(case, cipher)
    return document


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


@transaction.atomic
def compelled_release(*, actor: Any, disclosure: CompelledDisclosure) -> Release:
    """Build the release of exactly the ordered groups, once; keep its SHA-256, log the
    disclosure for the person and audit it. Refused (422 naming what is missing) before the
    legal review and the notice (or its prohibition) are recorded."""
    locked = (
        CompelledDisclosure.objects.select_for_update().select_related("case").get(pk=disclosure.pk)
    )
    case = locked.case
    if not policy.may_keep_legal_records(actor, case.organization_id):
        raise NotFound
    blockers = release_blockers(locked)
    if blockers:
        raise FieldError(BLOCKER_FIELDS[blockers[0]], BLOCKER_MESSAGES[blockers[0]])
    now = timezone.now()
    content = json.dumps(
        release_document(locked, case, now),
        indent=2,
        sort_keys=True,
        ensure_ascii=False,
        default=_json_default,
    ).encode()
    digest = hashlib.sha256(content).hexdigest()
    locked.released_at, locked.released_by, locked.release_sha256 = now, actor, digest
    locked.save(update_fields=["released_at", "released_by", "release_sha256"])
    # Always in the disclosure log, even when the releasing person works on the case: what
    # left went to the authority that ordered it, not to them.
    CaseAccess.objects.create(
        case=case,
        kind=AccessKind.COMPELLED,
        actor=actor,
        actor_label=f"user:{actor.pk}",
        organization_id=case.organization_id,
        groups=sorted(locked.groups),
        at=now,
    )
    audit_record(
        actor=actor,
        action="compelled.release",
        object_type=OBJECT_TYPE,
        object_id=case.pk,
        detail={
            "disclosure_id": locked.pk,
            "order_kind": locked.order_kind,
            "groups": sorted(locked.groups),
            "sha256": digest,
        },
    )
    disclosure.released_at, disclosure.release_sha256 = now, digest
    return Release(
        content=content,
        filename=f"compelled-release-{case.number}-{locked.pk}.json",
        sha256=digest,
    )
