"""Case API: shares under consent and the disclosure log.

`GET/POST /cases/{case_id}/shares`, `POST /cases/{case_id}/shares/{share_id}/revoke`,
`GET /cases/{case_id}/disclosures`. Only the case's own people (assigned caseworkers,
supervisors) reach these; everyone else, a recipient under a share included, gets 404 as
for a case that does not exist. Bad input is a 422 naming the field. A browser session
confirms its password first for a write (403 with where to confirm), as for withdrawing a
consent; tokens are issued per person.
"""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.urls import reverse
from ninja import Body, Field, Query, Router, Schema
from ninja.responses import Status as Answer
from pydantic import ConfigDict, StrictBool, StringConstraints, field_validator

from lantern.accounts.api_auth import api_user, write_auth
from lantern.accounts.models import Organization
from lantern.accounts.reauth import recently_reauthenticated
from lantern.cases import disclosure, sharing_selectors, sharing_services
from lantern.cases.models import CaseShare
from lantern.consent.models import PURPOSE_MAX_LENGTH
from lantern.consent.schemas import ISO_DATE_TIME, MethodCode, RevokeReasonCode
from lantern.consent.selectors import consent_state
from lantern.core.api_errors import WRITE_ERRORS, FieldError
from lantern.core.bounds import BoundedAwareDatetime, Limit, Offset

router = Router(tags=["cases"])

ERRORS = WRITE_ERRORS
Purpose = Annotated[str, StringConstraints(max_length=PURPOSE_MAX_LENGTH)]
Group = Annotated[str, StringConstraints(max_length=40)]


class ShareIn(Schema):
    """A share of chosen groups of the case, under the consent the person gave."""

    model_config = ConfigDict(extra="forbid")

    recipient_id: UUID = Field(..., description="The organization the record is shared with")
    groups: list[Group] = Field(
        ...,
        max_length=10,
        description="Groups of the case catalogue: identity, contact, trafficking, plan, "
        "assessments, notes, documents",
    )
    purpose: Purpose = Field(..., description="Why, e.g. 'continuing services'. No names.")
    method: MethodCode = Field(..., description="How the consent was attested")
    expires_at: BoundedAwareDatetime = Field(
        ..., description="When the consent ends, with a time zone; at most the longest allowed"
    )
    may_add_notes: StrictBool = Field(
        False, description="The recipient may add notes (needs the notes group)"
    )
    attested: Literal[True] | None = Field(
        None, description="The caseworker confirms the person understood and agreed"
    )

    @field_validator("expires_at", mode="before")
    @classmethod
    def _iso(cls, value: Any) -> Any:
        if not isinstance(value, str) or not ISO_DATE_TIME.match(value):
            raise ValueError("expected an ISO 8601 date-time with a zone, e.g. 2026-12-31T23:59Z")
        return value


class RevokeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: RevokeReasonCode | None = None


class PageQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    limit: int = Limit(50, 200)
    offset: Offset = 0


def _utc(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def share_json(share: CaseShare) -> dict[str, Any]:
    consent = share.consent
    return {
        "id": str(share.pk),
        "case_id": str(share.case_id),
        "recipient_id": str(share.recipient_id),
        "recipient_name": share.recipient.name,
        "groups": list(consent.categories),
        "may_add_notes": share.may_add_notes,
        "consent_id": str(consent.pk),
        "purpose": consent.purpose,
        "method": consent.method,
        "created": _utc(share.created),
        "expires_at": _utc(consent.expires_at),
        "revoked_at": _utc(consent.revoked_at),
        "state": consent_state(consent),
    }


def _confirm_first(request: HttpRequest) -> Any:
    """A browser session confirms its password before sharing or withdrawing."""
    if request.headers.get("Authorization") or recently_reauthenticated(request):
        return None
    return Answer(403, {"detail": "Confirm it is you first.", "reauth": reverse("accounts:reauth")})


@router.get(
    "/cases/{case_id}/shares",
    response={200: dict[str, Any], **ERRORS},
    auth=write_auth,
    summary="The case's shares with other organizations, newest first (in force or not)",
)
def share_list(request: HttpRequest, case_id: UUID, query: Query[PageQuery]) -> Any:
    case, _reach = sharing_selectors.case_for_disclosures(api_user(request), case_id)
    shares = sharing_selectors.shares_of(case)
    total = shares.count()
    page = shares[query.offset : query.offset + query.limit]
    return {"total": total, "results": [share_json(share) for share in page]}


@router.post(
    "/cases/{case_id}/shares",
    response={201: dict[str, Any], **ERRORS},
    auth=write_auth,
    summary="Share chosen groups of a case with another organization under consent",
    description=(
        "The consent (catalogue `case`) names the groups, the recipient, the purpose, how "
        "it was attested and when it ends (mandatory, at most the longest allowed). The "
        "recipient's people who keep cases then see exactly those groups, read-only unless "
        "`may_add_notes`, until the consent ends or is withdrawn. A group outside the case "
        "catalogue is a 422 naming `groups`; the own organization, or one where nobody "
        "keeps cases, a 422 naming `recipient_id`."
    ),
)
def share_create(request: HttpRequest, case_id: UUID, payload: ShareIn) -> Any:
    user = api_user(request)
    case, _reach = sharing_selectors.case_for_sharing(user, case_id)
    refused = _confirm_first(request)
    if refused is not None:
        return refused
    recipient = Organization.objects.filter(pk=payload.recipient_id).first()
    if recipient is None:
        raise FieldError("recipient_id", "no such organization")
    try:
        share = sharing_services.case_share(
            actor=user,
            case=case,
            recipient=recipient,
            groups=list(payload.groups),
            purpose=payload.purpose,
            method=payload.method,
            expires_at=payload.expires_at,
            may_add_notes=payload.may_add_notes,
        )
    except FieldError as exc:
        if exc.field == "recipient":
            raise FieldError("recipient_id", exc.message) from exc
        raise
    return Answer(201, share_json(share))


@router.post(
    "/cases/{case_id}/shares/{share_id}/revoke",
    response={200: dict[str, Any], **ERRORS},
    auth=write_auth,
    summary="Withdraw a share (the sharing organization only); withdrawing again changes nothing",
)
def share_revoke(
    request: HttpRequest, case_id: UUID, share_id: UUID, payload: Body[RevokeIn | None] = None
) -> Any:
    user = api_user(request)
    share = sharing_selectors.share_for_revoke(user, case_id, share_id)
    refused = _confirm_first(request)
    if refused is not None:
        return refused
    reason = (payload.reason if payload is not None else None) or ""
    share = sharing_services.case_share_revoke(actor=user, share=share, reason=reason)
    return share_json(share)


@router.get(
    "/cases/{case_id}/disclosures",
    response={200: dict[str, Any], **ERRORS},
    auth=write_auth,
    summary="The case's disclosure log: every read and share by anyone but its assigned "
    "caseworkers, newest first",
)
def disclosure_list(request: HttpRequest, case_id: UUID, query: Query[PageQuery]) -> Any:
    user = api_user(request)
    case, _reach = sharing_selectors.case_for_disclosures(user, case_id)
    total, rows = disclosure.disclosure_log_read(
        actor=user, case=case, limit=query.limit, offset=query.offset, via="api"
    )
    return {"total": total, "results": [row.as_json() for row in rows]}
