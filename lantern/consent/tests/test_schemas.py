from datetime import UTC, timedelta

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from pydantic import ValidationError

from lantern.consent.schemas import ConsentIn, ConsentOut, field_error_from
from lantern.consent.services import consent_record

GOOD = {
    "categories": ["name", "contact"],
    "purpose": "referral to services",
    "method": "verbal_recorded",
    "expires_at": "2030-06-30T23:59:00Z",
}


def _loc(excinfo) -> list[tuple]:
    return [error["loc"] for error in excinfo.value.errors()]


def test_reads_a_good_consent():
    data = ConsentIn.model_validate({**GOOD, "attested": True, "purpose": "  referral  "})
    assert data.categories == ["name", "contact"]
    assert data.purpose == "referral"
    assert data.expires_at.utcoffset() == timedelta(0)
    assert data.attested is True
    assert ConsentIn.model_validate(GOOD).attested is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"shared_with": "everyone"}, "shared_with"),
        ({"attested": False}, "attested"),
        ({"attested": "yes"}, "attested"),
        ({"categories": []}, "categories"),
        ({"categories": ["name", "address"]}, "categories"),
        ({"categories": "name"}, "categories"),
        ({"purpose": ""}, "purpose"),
        ({"purpose": "   "}, "purpose"),
        ({"purpose": "x" * 121}, "purpose"),
        ({"purpose": "a\x00b"}, "purpose"),
        ({"method": "implied"}, "method"),
        ({"expires_at": "2030-06-30T23:59:00"}, "expires_at"),  # no zone
        ({"expires_at": "2030-06-30"}, "expires_at"),
        ({"expires_at": 1900000000}, "expires_at"),
        ({"expires_at": "1900000000"}, "expires_at"),
        ({"expires_at": None}, "expires_at"),
    ],
)
def test_refuses_naming_the_field(change, field):
    with pytest.raises(ValidationError) as excinfo:
        ConsentIn.model_validate({**GOOD, **change})
    assert any(field in loc for loc in _loc(excinfo)), _loc(excinfo)


@pytest.mark.parametrize("missing", ["categories", "purpose", "method", "expires_at"])
def test_requires(missing):
    body = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(ValidationError) as excinfo:
        ConsentIn.model_validate(body)
    assert (missing,) in _loc(excinfo)


@pytest.mark.django_db
def test_service_kwargs_record_a_consent_that_reads_back(world):
    expires = (timezone.now() + timedelta(days=5)).astimezone(UTC)
    data = ConsentIn.model_validate({**GOOD, "expires_at": expires.isoformat()})
    consent = consent_record(
        recipient=world.org_b,
        granted_by_organization=world.org_a,
        actor=world["advocate_a"].user,
        **data.service_kwargs(),
    )
    out = ConsentOut.from_record(consent)
    assert out.id == consent.pk and out.recipient_id == world.org_b.pk
    assert out.categories == ["name", "contact"] and out.method == "verbal_recorded"
    assert out.expires_at == expires and out.state == "active" and out.revoked_at is None


def test_field_error_from_names_the_first_field():
    error = field_error_from(
        DjangoValidationError({"expires_at": "must be in the future"}), prefix="consent."
    )
    assert error.payload() == {
        "detail": [
            {
                "loc": ["body", "consent.expires_at"],
                "msg": "must be in the future",
                "type": "value_error",
            }
        ]
    }
