"""Reads for consent, and THE check for showing a personal item: `consent_allows`."""

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from lantern.consent import policy
from lantern.consent.models import CATALOGUES, ConsentRecord
from lantern.core.errors import NotFound

State = Literal["active", "expired", "revoked"]


def consent_allows(
    consent: ConsentRecord | None,
    *,
    recipient_id: Any,
    category: str,
    at: datetime | None = None,
) -> bool:
    """Whether `recipient_id`'s organization may be shown items of `category` at `at`
    (default: now) under `consent`.

    True only when all hold: there is a consent; it was never withdrawn (a withdrawal
    counts for every moment, also ones before it: callers ask about showing something
    now); it was already given at `at` and has not expired (`expires_at` itself is
    expired); it names this recipient; it covers this category from the catalogue.
    Anything else, including a missing recipient, is False.
    """
    if consent is None or recipient_id is None:
        return False
    if consent.revoked_at is not None:
        return False
    when = timezone.now() if at is None else at
    if not (consent.created <= when < consent.expires_at):
        return False
    if str(consent.recipient_id) != str(recipient_id):
        return False
    codes = CATALOGUES.get(consent.catalogue, ())
    return category in codes and category in (consent.categories or [])


def consent_state(consent: ConsentRecord, at: datetime | None = None) -> State:
    if consent.revoked_at is not None:
        return "revoked"
    when = timezone.now() if at is None else at
    if when >= consent.expires_at:
        return "expired"
    return "active"


def consents_visible_to(user: Any) -> QuerySet[ConsentRecord]:
    records = ConsentRecord.objects.all()
    condition = policy.visible_filter(user)
    return records if condition is None else records.filter(condition)


def _get(consent_id: Any) -> ConsentRecord | None:
    try:
        return ConsentRecord.objects.filter(pk=consent_id).first()
    except (ValidationError, ValueError, TypeError):
        # Not a UUID: it cannot exist.
        return None


def consent_for_user(user: Any, consent_id: Any) -> ConsentRecord:
    """A consent record the user may see, or 404 (missing and not allowed look the same)."""
    consent = _get(consent_id)
    if consent is None or not policy.may_view(user, consent):
        raise NotFound
    return consent


def consent_for_revoke(user: Any, consent_id: Any) -> ConsentRecord:
    """A consent record the user may withdraw, or 404 (also when the user may see it but
    not withdraw it, so the answer does not tell the two apart)."""
    consent = _get(consent_id)
    if (
        consent is None
        or not policy.may_view(user, consent)
        or not policy.may_revoke(user, consent)
    ):
        raise NotFound
    return consent
