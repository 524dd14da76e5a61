"""JSON shapes for consent. `ConsentIn` is embedded by other APIs (a referral carries
`"consent": {...}`); `ConsentOut` is what the consent endpoints answer.

`ConsentIn` is strict: unknown fields, unknown codes, a date-time without a zone and
`"attested": false` are all 422 naming the field.
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from ninja import Field, Schema
from pydantic import ConfigDict, StringConstraints, field_validator

from lantern.consent.models import PURPOSE_MAX_LENGTH, ConsentRecord
from lantern.consent.selectors import State, consent_state
from lantern.core.api_errors import FieldError
from lantern.core.bounds import BoundedAwareDatetime

CategoryCode = Literal["name", "contact", "language", "safety_notes", "documents"]
MethodCode = Literal["written", "verbal_recorded"]
RevokeReasonCode = Literal["withdrawn", "recorded_in_error", "no_longer_needed", "other"]
Purpose = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=PURPOSE_MAX_LENGTH),
]
# A date and time with its zone, e.g. 2026-12-31T23:59:00Z. Not seconds since 1970.
ISO_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


class ConsentIn(Schema):
    """The consent the person gave, as the advocate records it."""

    model_config = ConfigDict(extra="forbid")

    categories: list[CategoryCode] = Field(
        ..., min_length=1, max_length=5, description="The kinds of items that may be shared"
    )
    purpose: Purpose = Field(..., description="Why, e.g. 'referral to services'. No names.")
    method: MethodCode
    expires_at: BoundedAwareDatetime = Field(
        ..., description="When the consent ends, with a time zone; at most the longest allowed"
    )
    attested: Literal[True] | None = Field(
        None, description="The advocate confirms the person understood and agreed"
    )

    @field_validator("expires_at", mode="before")
    @classmethod
    def _iso_only(cls, value: Any) -> Any:
        if not isinstance(value, str) or not ISO_DATE_TIME.match(value):
            raise ValueError("expected an ISO 8601 date-time with a zone, e.g. 2026-12-31T23:59Z")
        return value

    @field_validator("purpose")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value

    def service_kwargs(self) -> dict[str, Any]:
        """The arguments `services.consent_record` takes from this input; the caller adds
        the organizations, the actor and the subject."""
        return {
            "categories": list(self.categories),
            "purpose": self.purpose,
            "method": self.method,
            "expires_at": self.expires_at,
        }


class RevokeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: RevokeReasonCode | None = None


class ConsentOut(Schema):
    id: UUID
    recipient_id: UUID
    categories: list[str]
    purpose: str
    method: str
    created: datetime
    expires_at: datetime
    revoked_at: datetime | None
    state: State

    @classmethod
    def from_record(cls, consent: ConsentRecord, at: datetime | None = None) -> "ConsentOut":
        def utc(value: datetime | None) -> datetime | None:
            return None if value is None else value.astimezone(UTC)

        return cls(
            id=consent.pk,
            recipient_id=consent.recipient_id,
            categories=list(consent.categories),
            purpose=consent.purpose,
            method=consent.method,
            created=consent.created.astimezone(UTC),
            expires_at=consent.expires_at.astimezone(UTC),
            revoked_at=utc(consent.revoked_at),
            state=consent_state(consent, at),
        )


def field_error_from(exc: ValidationError, *, prefix: str = "") -> FieldError:
    """A service's ValidationError as the API's 422 for its first named field.

    `prefix` places the field inside an embedding body, e.g. `prefix="consent."`.
    """
    errors = getattr(exc, "error_dict", None) or {"__all__": exc.error_list}
    field, messages = next(iter(errors.items()))
    message = "; ".join(str(m) for error in messages for m in error.messages)
    return FieldError(f"{prefix}{field}", message)
