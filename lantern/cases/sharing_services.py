"""Writes for sharing: share a case under consent, withdraw a share, open a case from an
accepted referral, and link a referral sent from a case.

Each write checks, writes and leaves an audit event in one transaction. Audit details carry
ids and codes only (never the purpose text, never a personal value). A transfer is in
`transfer.py`.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from lantern.accounts.models import Organization
from lantern.accounts.roles import Capability, roles_with
from lantern.audit.services import audit_record
from lantern.cases import policy, services, sharing_selectors, vocab
from lantern.cases.disclosure import log_disclosure
from lantern.cases.fields import ALIAS_MAX, CONTACT_MAX
from lantern.cases.keys import cipher_for
from lantern.cases.models import Case, CaseNote, CaseReferral, CaseShare
from lantern.cases.models.case import AccessKind
from lantern.cases.selectors import reach_for
from lantern.consent.models import CaseGroup, RevokeReason
from lantern.consent.selectors import consent_allows
from lantern.consent.services import consent_record, consent_revoke
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound
from lantern.notify.services import notify_organization_staff
from lantern.referrals import selectors as referral_selectors
from lantern.referrals.models import Referral

OBJECT_TYPE = "case"
SUBJECT_TYPE = "case"
NOTE_MAX = 10_000
# The consent service's field names -> this service's (the API body's) field names.
CONSENT_FIELDS = {
    "categories": "groups",
    "granted_by_organization": "case",
    "catalogue": "groups",
}


def field_error_from(exc: ValidationError) -> FieldError:
    """The consent service's ValidationError as a 422 naming this service's field."""
    errors = getattr(exc, "error_dict", None) or {"__all__": exc.error_list}
    field, messages = next(iter(errors.items()))
    message = "; ".join(str(m) for error in messages for m in error.messages)
    return FieldError(CONSENT_FIELDS.get(field, field), message)


def case_consent_record(
    *,
    actor: Any,
    case: Case,
    recipient: Organization,
    groups: Sequence[str],
    purpose: str,
    method: str,
    expires_at: datetime | None,
) -> Any:
    """The person's consent to give `recipient` these groups of `case` (catalogue "case",
    about this case), recorded by `actor` for the case's organization; 422 naming the field."""
    try:
        return consent_record(
            recipient=recipient,
            granted_by_organization=case.organization,
            categories=groups,
            purpose=purpose,
            method=method,
            expires_at=expires_at,
            actor=actor,
            subject_type=SUBJECT_TYPE,
            subject_id=str(case.pk),
            catalogue="case",
        )
    except ValidationError as exc:
        raise field_error_from(exc) from exc


def check_recipient(case: Case, recipient: Any, allowed: Any, *, why: str) -> Organization:
    """`recipient` must be another organization among `allowed` (a queryset)."""
    if not isinstance(recipient, Organization):
        raise FieldError("recipient", "must be an organization")
    if recipient.pk == case.organization_id:
        raise FieldError("recipient", "must be another organization than the case's own")
    if not allowed.filter(pk=recipient.pk).exists():
        raise FieldError("recipient", why)
    return recipient


def require_own_reach(actor: Any, case: Case) -> None:
    if not policy.may_share(reach_for(actor, case), case) or case.merged_into_id is not None:
        raise NotFound


@transaction.atomic
def case_share(
    *,
    actor: Any,
    case: Case,
    recipient: Organization,
    groups: Sequence[str],
    purpose: str,
    method: str,
    expires_at: datetime | None,
    may_add_notes: bool = False,
) -> CaseShare:
    """Share `groups` of the case with `recipient` under the person's consent.

    The consent (catalogue "case", about this case) holds the groups, purpose, method and
    the mandatory expiry (at most LANTERN_CONSENT_MAX_DAYS); the share ties it to the case.
    The share is written into the case's disclosure log and the recipient's caseworkers
    are told (no detail). Only people with own reach on the case may share it."""
    require_own_reach(actor, case)
    check_recipient(
        case,
        recipient,
        sharing_selectors.share_recipients(case),
        why="nobody there keeps case records, so nobody could see the share",
    )
    consent = case_consent_record(
        actor=actor,
        case=case,
        recipient=recipient,
        groups=groups,
        purpose=purpose,
        method=method,
        expires_at=expires_at,
    )
    if may_add_notes and CaseGroup.NOTES not in consent.categories:
        raise FieldError("may_add_notes", "adding notes needs the notes group in the consent")
    share = CaseShare.objects.create(
        case=case,
        consent=consent,
        recipient=recipient,
        may_add_notes=bool(may_add_notes),
        shared_by=actor,
    )
    log_disclosure(
        case=case,
        actor=actor,
        kind=AccessKind.SHARE,
        recipient_id=recipient.pk,
        groups=consent.categories,
    )
    audit_record(
        actor=actor,
        action="case.share",
        object_type=OBJECT_TYPE,
        object_id=case.pk,
        detail={
            "share_id": str(share.pk),
            "consent_id": str(consent.pk),
            "recipient_id": str(recipient.pk),
            "groups": list(consent.categories),
            "expires_at": consent.expires_at.isoformat(),
            "may_add_notes": share.may_add_notes,
        },
    )
    notify_organization_staff(
        organization=recipient,
        roles=roles_with(Capability.KEEP_CASES),
        kind="case_shared",
        link_path=f"/cases/{case.pk}/",
    )
    return share


@transaction.atomic
def case_share_revoke(*, actor: Any, share: CaseShare, reason: str = "") -> CaseShare:
    """Withdraw a share: its consent is revoked, so the recipient sees nothing of the case
    from its next request on (nothing is cached). The sharing organization's people who
    withdraw consent, or who have own reach on the case, may; the recipient may not.
    Withdrawing again changes nothing."""
    if not sharing_selectors.may_revoke_share(actor, share.case):
        raise NotFound
    if reason not in ("", *RevokeReason.values):
        raise FieldError("reason", f"must be one of {', '.join(RevokeReason.values)}")
    already = share.consent.revoked_at is not None
    try:
        share.consent = consent_revoke(consent=share.consent, actor=actor, reason=reason)
    except ValidationError as exc:
        raise field_error_from(exc) from exc
    if not already:
        audit_record(
            actor=actor,
            action="case.share_revoke",
            object_type=OBJECT_TYPE,
            object_id=share.case_id,
            detail={
                "share_id": str(share.pk),
                "consent_id": str(share.consent_id),
                "recipient_id": str(share.recipient_id),
                "reason": reason,
            },
        )
    return share


# --- A case from an accepted referral --------------------------------------------------


class ReferralNotTakenOn(Exception):
    """The referral is not accepted (nor intake scheduled or completed)."""


class ReferralHasCase(Exception):
    """A case was already opened from this referral."""

    def __init__(self, case_id: Any) -> None:
        super().__init__("a case exists for this referral")
        self.case_id = case_id


def language_from_text(text: str) -> str:
    """The ISO 639-2 code for a language the referral named in words or by code
    ("Spanish", "español", "es", "spa"), or "" when it is none Lantern knows."""
    text = (text or "").strip()
    if not text:
        return ""
    code = vocab.language_code(text)
    if code:
        return code
    try:
        found = pycountry.languages.lookup(text)
    except LookupError:
        found = None
    if found is not None and vocab.is_language(getattr(found, "alpha_3", "")):
        return str(vocab.language_code(found.alpha_3))
    wanted = text.casefold()
    for language in ("en", "es"):
        with translation.override(language):
            for choice, name in vocab.language_choices():
                if name.casefold() == wanted:
                    return choice
    return ""


def referral_items(actor: Any, referral: Referral) -> dict[str, str]:
    """The items the person consented to share with the receiving organization, read
    through the referral's own selector (audited there) and checked against the consent
    again here, so a reader on both sides of a referral gets no more than the receiver."""
    view = referral_selectors.personal_view(actor, referral)
    return {
        code: value
        for code, value in view.shared.items()
        if consent_allows(
            referral.consent, recipient_id=referral.receiving_organization_id, category=code
        )
    }


# Referral item -> the case field it fills in.
CARRIED_AS = {"name": "alias", "contact": "contact", "language": "primary_language"}
# The items a case takes over (safety notes become its first note); documents stay behind.
CARRIED_ITEMS = (*CARRIED_AS, "safety_notes")


def case_data_from_items(items: dict[str, str]) -> dict[str, Any]:
    """What the consented items fill in on the new case: name -> alias, contact -> contact,
    language -> primary language (when it names an ISO 639-2 language). Safety notes
    become the first note; documents carry nothing; the needs stay on the referral."""
    data: dict[str, Any] = {}
    if items.get("name"):
        data["alias"] = items["name"].strip()[:ALIAS_MAX]
    if items.get("contact"):
        data["contact"] = items["contact"].strip()[:CONTACT_MAX]
    language = language_from_text(items.get("language", ""))
    if language:
        data["primary_language"] = language
    return data


def note_add_sealed(*, case: Case, author: Any, organization_id: Any, body: str) -> CaseNote:
    """A note sealed under the case key (inside the calling service's transaction)."""
    body = body.strip()[:NOTE_MAX]
    return CaseNote.objects.create(
        case=case,
        body_sealed=cipher_for(case).seal(body),
        author=author,
        organization_id=organization_id,
    )


@transaction.atomic
def case_from_referral(
    *, actor: Any, referral: Referral, duplicates_reviewed: bool = False
) -> Case:
    """Open a case in the receiving organization from a referral it took on, carrying over
    exactly the items the person consented to (`case_data_from_items`). Raises
    `ReferralNotTakenOn`, `ReferralHasCase`, or `services.DuplicatesFound` (nothing
    written) when possible duplicates were not reviewed yet."""
    referral = sharing_selectors.referral_for_case_opening(actor, referral.pk)
    if referral.status not in sharing_selectors.REFERRAL_STATUSES_FOR_CASE:
        raise ReferralNotTakenOn(referral.status)
    existing = sharing_selectors.case_of_referral(referral)
    if existing is not None:
        raise ReferralHasCase(existing.pk)
    items = referral_items(actor, referral)
    data = case_data_from_items(items)
    try:
        with transaction.atomic():
            case = services.case_create(
                actor=actor,
                organization=referral.receiving_organization,
                data=data,
                duplicates_reviewed=duplicates_reviewed,
                from_referral=referral,
            )
    except IntegrityError as exc:  # opened by someone else a moment ago
        found = sharing_selectors.case_of_referral(referral)
        if found is None:
            raise
        raise ReferralHasCase(found.pk) from exc
    carried = [code for code, field in CARRIED_AS.items() if field in data]
    if items.get("safety_notes", "").strip():
        note_add_sealed(
            case=case,
            author=actor,
            organization_id=case.organization_id,
            body=items["safety_notes"],
        )
        carried.append("safety_notes")
    audit_record(
        actor=actor,
        action="case.from_referral",
        object_type=OBJECT_TYPE,
        object_id=case.pk,
        detail={"referral_id": str(referral.pk), "carried": carried},
    )
    return case


# --- Referrals sent from a case ---------------------------------------------------------


class CaseNotOpenForReferral(Exception):
    """The case was purged (or merged) meanwhile: no referral is linked to it."""


@transaction.atomic
def case_referral_link(*, actor: Any, case: Case, referral: Referral) -> CaseReferral:
    """Record that `referral` was sent from the case's page (inside the referral's own
    transaction, so a refused link sends nothing)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.purged_at is not None or locked.merged_into_id is not None:
        raise CaseNotOpenForReferral(str(case.pk))
    if not policy.may_share(reach_for(actor, locked), locked):
        raise NotFound
    link = CaseReferral.objects.create(case=locked, referral=referral, linked_by=actor)
    audit_record(
        actor=actor,
        action="case.referral_link",
        object_type=OBJECT_TYPE,
        object_id=case.pk,
        detail={"referral_id": str(referral.pk)},
    )
    return link
