import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantern.consent.models import CATEGORIES, ConsentRecord, Method
from lantern.consent.selectors import consent_allows, consent_state

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RECIPIENT = uuid.UUID("00000000-0000-4000-8000-00000000000b")
OTHER = uuid.UUID("00000000-0000-4000-8000-00000000000c")


def _consent(**fields) -> ConsentRecord:
    """An unsaved record: `consent_allows` reads only the object it is given."""
    values = {
        "recipient_id": RECIPIENT,
        "granted_by_organization_id": uuid.uuid4(),
        "categories": ["name", "contact"],
        "purpose": "referral to services",
        "method": Method.WRITTEN,
        "created": T0,
        "expires_at": T0 + timedelta(days=30),
    }
    values.update(fields)
    return ConsentRecord(**values)


def test_allows_a_covered_category_for_the_recipient_while_active():
    consent = _consent()
    at = T0 + timedelta(days=1)
    assert consent_allows(consent, recipient_id=RECIPIENT, category="name", at=at)
    assert consent_allows(consent, recipient_id=str(RECIPIENT), category="contact", at=at)


def test_no_consent_allows_nothing():
    assert not consent_allows(None, recipient_id=RECIPIENT, category="name", at=T0)


@pytest.mark.parametrize(
    ("fields", "recipient", "category", "at"),
    [
        ({}, OTHER, "name", T0 + timedelta(days=1)),
        ({}, None, "name", T0 + timedelta(days=1)),
        ({}, RECIPIENT, "language", T0 + timedelta(days=1)),
        ({}, RECIPIENT, "address", T0 + timedelta(days=1)),
        ({"categories": ["address"]}, RECIPIENT, "address", T0 + timedelta(days=1)),
        ({}, RECIPIENT, "name", T0 + timedelta(days=30)),  # the expiry moment itself
        ({}, RECIPIENT, "name", T0 + timedelta(days=31)),
        ({}, RECIPIENT, "name", T0 - timedelta(seconds=1)),  # before it was given
        ({"revoked_at": T0 + timedelta(days=2)}, RECIPIENT, "name", T0 + timedelta(days=3)),
        # A withdrawal counts for every moment: nothing is shown "as of" before it.
        ({"revoked_at": T0 + timedelta(days=2)}, RECIPIENT, "name", T0 + timedelta(days=1)),
    ],
)
def test_refuses(fields, recipient, category, at):
    assert not consent_allows(_consent(**fields), recipient_id=recipient, category=category, at=at)


def test_defaults_to_now():
    from django.utils import timezone

    now = timezone.now()
    active = _consent(created=now - timedelta(hours=1), expires_at=now + timedelta(hours=1))
    expired = _consent(created=now - timedelta(hours=2), expires_at=now - timedelta(hours=1))
    assert consent_allows(active, recipient_id=RECIPIENT, category="name")
    assert not consent_allows(expired, recipient_id=RECIPIENT, category="name")
    assert consent_state(active) == "active" and consent_state(expired) == "expired"


def test_state():
    consent = _consent()
    assert consent_state(consent, T0) == "active"
    assert consent_state(consent, T0 + timedelta(days=30)) == "expired"
    consent.revoked_at = T0 + timedelta(days=1)
    assert consent_state(consent, T0 + timedelta(hours=1)) == "revoked"
    assert consent_state(consent, T0 + timedelta(days=40)) == "revoked"


offsets = st.integers(min_value=-40 * 86400, max_value=80 * 86400).map(
    lambda s: T0 + timedelta(seconds=s)
)
category_lists = st.lists(st.sampled_from(CATEGORIES), max_size=5, unique=True)
asked_categories = st.one_of(st.sampled_from(CATEGORIES), st.text(max_size=12))
recipients = st.sampled_from([RECIPIENT, OTHER, str(RECIPIENT), str(OTHER), None])


@given(
    lifetime=st.integers(min_value=1, max_value=400 * 86400),
    categories=category_lists,
    revoked=st.one_of(st.none(), offsets),
    at=offsets,
    recipient=recipients,
    category=asked_categories,
)
def test_never_allows_after_expiry_or_revocation_or_for_another_recipient_or_category(
    lifetime, categories, revoked, at, recipient, category
):
    consent = _consent(
        categories=categories,
        expires_at=T0 + timedelta(seconds=lifetime),
        revoked_at=revoked,
    )
    allowed = consent_allows(consent, recipient_id=recipient, category=category, at=at)
    expected = (
        revoked is None
        and T0 <= at < consent.expires_at
        and recipient is not None
        and str(recipient) == str(RECIPIENT)
        and category in categories
    )
    assert allowed == expected
    if allowed:
        assert consent_state(consent, at) == "active"
    if at >= consent.expires_at or revoked is not None:
        assert not allowed
        assert consent_state(consent, at) in ("expired", "revoked")


def test_each_catalogue_opens_only_its_own_items():
    at = T0 + timedelta(days=1)
    # A case consent naming "documents" (a code both catalogues have) opens the case group
    # only; a referral consent never opens a case group, even one it happens to list.
    case = _consent(catalogue="case", categories=["identity", "documents"])
    assert consent_allows(case, recipient_id=RECIPIENT, category="identity", at=at)
    assert not consent_allows(case, recipient_id=RECIPIENT, category="name", at=at)
    referral = _consent(categories=["name", "identity"])
    assert consent_allows(referral, recipient_id=RECIPIENT, category="name", at=at)
    assert not consent_allows(referral, recipient_id=RECIPIENT, category="identity", at=at)


def test_a_consent_is_recorded_against_its_own_catalogue(world):
    from django.core.exceptions import ValidationError

    from lantern.consent.services import consent_record

    common = {
        "recipient": world.org_c,
        "granted_by_organization": world.org_b,
        "purpose": "continuing support",
        "method": Method.WRITTEN,
        "expires_at": datetime.now(UTC) + timedelta(days=30),
        "actor": world["provider_b"].user,
    }
    with pytest.raises(ValidationError, match="unknown categories: identity"):
        consent_record(categories=["identity"], **common)
    with pytest.raises(ValidationError, match="unknown categories: name"):
        consent_record(categories=["name"], catalogue="case", **common)
    with pytest.raises(ValidationError, match="catalogue"):
        consent_record(categories=["name"], catalogue="intel", **common)
    made = consent_record(categories=["identity", "notes"], catalogue="case", **common)
    assert (made.catalogue, made.categories) == ("case", ["identity", "notes"])
