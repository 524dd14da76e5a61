"""Writes for consent: record, attach to what it is about, withdraw.

Each write validates, changes the row and leaves an audit event in one transaction.
Validation errors are `django.core.exceptions.ValidationError` with a dict naming the
field, so the API can answer 422 for the right field. Audit details hold codes and ids
only, never the purpose text.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lantern.accounts.models import Membership, Organization
from lantern.audit.services import audit_record
from lantern.consent.models import (
    CATALOGUES,
    PURPOSE_MAX_LENGTH,
    SUBJECT_ID_MAX_LENGTH,
    SUBJECT_TYPE_MAX_LENGTH,
    ConsentRecord,
    Method,
    RevokeReason,
)

OBJECT_TYPE = "consent"


def _clean_categories(categories: Any, catalogue: str) -> list[str]:
    if isinstance(categories, str) or not isinstance(categories, Sequence):
        raise ValidationError({"categories": "must be a list of category codes"})
    if not categories:
        raise ValidationError({"categories": "choose at least one kind of item to share"})
    codes = CATALOGUES[catalogue]
    unknown = sorted({str(c) for c in categories if not isinstance(c, str) or c not in codes})
    if unknown:
        raise ValidationError({"categories": f"unknown categories: {', '.join(unknown)}"})
    # Stored once each, in catalogue order, so equal consents look equal.
    return [code for code in codes if code in categories]


def _clean_purpose(purpose: Any) -> str:
    if not isinstance(purpose, str) or not purpose.strip():
        raise ValidationError({"purpose": "say why the items are shared"})
    purpose = purpose.strip()
    if len(purpose) > PURPOSE_MAX_LENGTH:
        raise ValidationError({"purpose": f"at most {PURPOSE_MAX_LENGTH} characters"})
    if "\x00" in purpose:
        raise ValidationError({"purpose": "must not contain NUL characters"})
    return purpose


def _clean_expires_at(expires_at: Any, now: datetime) -> datetime:
    if expires_at is None:
        raise ValidationError({"expires_at": "consent must have an end date"})
    if not isinstance(expires_at, datetime):
        raise ValidationError({"expires_at": "must be a date and time"})
    if timezone.is_naive(expires_at):
        raise ValidationError({"expires_at": "must include a time zone"})
    if expires_at <= now:
        raise ValidationError({"expires_at": "must be in the future"})
    longest = settings.LANTERN_CONSENT_MAX_DAYS
    if expires_at > now + timedelta(days=longest):
        raise ValidationError({"expires_at": f"at most {longest} days from now"})
    return expires_at


def _check_attester(actor: Any, organization: Organization) -> None:
    """The attester speaks for `granted_by_organization`, so must belong to it."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ValidationError({"granted_by_organization": "consent is attested by a person"})
    if not Membership.objects.filter(user=actor, organization=organization).exists():
        raise ValidationError(
            {"granted_by_organization": "the person attesting must be a member of it"}
        )


def _clean_subject(subject_type: Any, subject_id: Any) -> tuple[str, str]:
    subject_type = str(subject_type or "").strip()
    subject_id = str(subject_id or "").strip()
    if bool(subject_type) != bool(subject_id):
        field = "subject_id" if subject_type else "subject_type"
        raise ValidationError({field: "give both the subject type and its id, or neither"})
    if len(subject_type) > SUBJECT_TYPE_MAX_LENGTH:
        raise ValidationError({"subject_type": f"at most {SUBJECT_TYPE_MAX_LENGTH} characters"})
    if len(subject_id) > SUBJECT_ID_MAX_LENGTH:
        raise ValidationError({"subject_id": f"at most {SUBJECT_ID_MAX_LENGTH} characters"})
    return subject_type, subject_id


@transaction.atomic
def consent_record(
    *,
    recipient: Organization,
    granted_by_organization: Organization,
    categories: Sequence[str],
    purpose: str,
    method: str,
    expires_at: datetime | None,
    actor: Any,
    subject_type: str = "",
    subject_id: str = "",
    self_attested: bool = False,
    catalogue: str = "referral",
) -> ConsentRecord:
    """Record a consent the person gave, attested by `actor` (a member of
    `granted_by_organization`). Expiry is mandatory and at most
    `LANTERN_CONSENT_MAX_DAYS` ahead.

    `self_attested`: the person gave it themselves online (a survivor ticking a box, with
    no account): there is no attester, so `actor` must be None, nobody is recorded as
    attesting and the audit event says "survivor".

    `catalogue` names the kind of record the items come from ("referral", "case"): the
    categories are checked against that catalogue only."""
    now = timezone.now()
    if catalogue not in CATALOGUES:
        raise ValidationError({"catalogue": f"must be one of {', '.join(CATALOGUES)}"})
    clean_categories = _clean_categories(categories, catalogue)
    clean_purpose = _clean_purpose(purpose)
    if method not in Method.values:
        raise ValidationError({"method": f"must be one of {', '.join(Method.values)}"})
    clean_expires_at = _clean_expires_at(expires_at, now)
    if not isinstance(recipient, Organization):
        raise ValidationError({"recipient": "must be an organization"})
    if not isinstance(granted_by_organization, Organization):
        raise ValidationError({"granted_by_organization": "must be an organization"})
    if self_attested:
        if actor is not None:
            raise ValidationError(
                {"granted_by_organization": "a self-attested consent has no actor"}
            )
    else:
        _check_attester(actor, granted_by_organization)
    clean_subject_type, clean_subject_id = _clean_subject(subject_type, subject_id)

    consent = ConsentRecord.objects.create(
        recipient=recipient,
        granted_by_organization=granted_by_organization,
        catalogue=catalogue,
        categories=clean_categories,
        purpose=clean_purpose,
        method=method,
        attested_by=actor,
        subject_type=clean_subject_type,
        subject_id=clean_subject_id,
        created=now,
        expires_at=clean_expires_at,
    )
    audit_record(
        actor=actor,
        actor_label="survivor" if self_attested else None,
        action="consent.record",
        object_type=OBJECT_TYPE,
        object_id=consent.pk,
        detail={
            "recipient_id": str(recipient.pk),
            "granted_by_organization_id": str(granted_by_organization.pk),
            "catalogue": catalogue,
            "categories": clean_categories,
            "method": method,
            "expires_at": clean_expires_at.isoformat(),
            "subject_type": clean_subject_type,
            "subject_id": clean_subject_id,
        },
    )
    return consent


@transaction.atomic
def consent_attach(
    *, consent: ConsentRecord, subject_type: str, subject_id: str, actor: Any
) -> ConsentRecord:
    """Say what the consent is about. Attaching again to the same subject changes
    nothing; attaching to another subject, or attaching a withdrawn or expired consent,
    is refused."""
    clean_type, clean_id = _clean_subject(subject_type, subject_id)
    if not clean_type:
        raise ValidationError({"subject_type": "give the subject type and its id"})
    locked = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
    if locked.subject_type or locked.subject_id:
        if (locked.subject_type, locked.subject_id) == (clean_type, clean_id):
            return locked
        raise ValidationError({"subject_id": "this consent is already about something else"})
    if locked.revoked_at is not None:
        raise ValidationError({"consent": "this consent was withdrawn"})
    if locked.expires_at <= timezone.now():
        raise ValidationError({"consent": "this consent has expired"})
    locked.subject_type, locked.subject_id = clean_type, clean_id
    locked.save(update_fields=["subject_type", "subject_id"])
    consent.subject_type, consent.subject_id = clean_type, clean_id
    audit_record(
        actor=actor,
        action="consent.attach",
        object_type=OBJECT_TYPE,
        object_id=locked.pk,
        detail={"subject_type": clean_type, "subject_id": clean_id},
    )
    return locked


@transaction.atomic
def consent_revoke(*, consent: ConsentRecord, actor: Any, reason: str = "") -> ConsentRecord:
    """Withdraw a consent from now on.

    Withdrawing an already withdrawn consent is a no-op: the first withdrawal (its time,
    actor and reason) stands, the record is returned unchanged and no second audit event
    is written. So a retried request is harmless, and the answer is the same record.
    `reason` is empty or a `RevokeReason` code.
    """
    if reason not in ("", *RevokeReason.values):
        raise ValidationError({"reason": f"must be one of {', '.join(RevokeReason.values)}"})
    locked = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.revoke_reason = reason
    locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    consent.revoked_at = locked.revoked_at
    consent.revoked_by = locked.revoked_by
    consent.revoke_reason = locked.revoke_reason
    audit_record(
        actor=actor,
        action="consent.revoke",
        object_type=OBJECT_TYPE,
        object_id=locked.pk,
        detail={
            "reason": reason,
            "subject_type": locked.subject_type,
            "subject_id": locked.subject_id,
        },
    )
    return locked
