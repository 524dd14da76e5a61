"""`/api/v1/consents/{id}`: read a consent record and withdraw it.

Token or verified session (session writes keep CSRF). No credentials: 401. Not found,
not visible, or visible but not withdrawable by the caller: the same 404.
"""

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import Body, Router
from ninja.responses import Status as Answer

from lantern.accounts.api_auth import api_user, write_auth
from lantern.accounts.reauth import recently_reauthenticated
from lantern.consent import selectors
from lantern.consent.schemas import ConsentOut, RevokeIn, field_error_from
from lantern.consent.services import consent_revoke

router = Router(tags=["consent"])

Error = dict[str, Any]


@router.get(
    "/consents/{consent_id}",
    response={200: ConsentOut, 401: Error, 404: Error, 422: Error},
    auth=write_auth,
    summary="A consent record (the recording and the recipient organizations, coalition admins)",
)
def get_consent(request: HttpRequest, consent_id: UUID) -> Any:
    consent = selectors.consent_for_user(api_user(request), consent_id)
    return ConsentOut.from_record(consent)


@router.post(
    "/consents/{consent_id}/revoke",
    # 400: a body that is not JSON; 403: a session caller without a CSRF token, or one
    # that has not confirmed its password in the last few minutes.
    response={200: ConsentOut, 400: Error, 401: Error, 403: Error, 404: Error, 422: Error},
    auth=write_auth,
    summary="Withdraw a consent (advocates and coalition admins of the recording "
    "organization); withdrawing again changes nothing",
)
def revoke_consent(
    request: HttpRequest, consent_id: UUID, payload: Body[RevokeIn | None] = None
) -> Any:
    user = api_user(request)
    consent = selectors.consent_for_revoke(user, consent_id)
    # A browser session confirms the password first (CONVENTIONS 10), so an unlocked
    # screen cannot withdraw what a person agreed to share; tokens are issued per person.
    if not request.headers.get("Authorization") and not recently_reauthenticated(request):
        return Answer(
            403, {"detail": "Confirm it is you first.", "reauth": reverse("accounts:reauth")}
        )
    reason = (payload.reason if payload is not None else None) or ""
    try:
        consent = consent_revoke(consent=consent, actor=user, reason=reason)
    except ValidationError as exc:
        raise field_error_from(exc) from exc
    return ConsentOut.from_record(consent)
