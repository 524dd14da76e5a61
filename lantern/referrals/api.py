"""`/api/v1/referrals`: send a referral (with a hold), follow it, answer it.

A referral is visible only to the referring and the receiving organization; everyone
else gets 404, as for a referral that does not exist.
"""

from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Answer
from pydantic import ConfigDict, StrictBool, StringConstraints

from lantern.accounts.api_auth import api_user, write_auth
from lantern.consent.schemas import ConsentIn
from lantern.core.api_errors import WRITE_ERRORS, FieldError
from lantern.core.bounds import BoundedDatetime, Limit, Offset
from lantern.matching.api import NeedsIn, needs_from
from lantern.referrals import old_figure, presenters, selectors, services
from lantern.referrals.models import DeclineReason, Referral, Status

router = Router(tags=["referrals"])

Item = Annotated[str, StringConstraints(max_length=services.SHARED_MAX_CHARS)]
Errors = WRITE_ERRORS


class SharedIn(Schema):
    """Personal items the person chose to share. Each needs the consent's category."""

    model_config = ConfigDict(extra="forbid")

    name: Item | None = Field(None, description="First name or alias")
    contact: Item | None = Field(None, description="A safe way and time to make contact")
    language: Item | None = None
    safety_notes: Item | None = None
    documents: Item | None = Field(None, description="Documents the person will need")


class ReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")

    service_id: UUID
    hold: StrictBool = False
    capacity_id: UUID | None = Field(None, description="Which capacity to hold (default: any)")
    organization_id: UUID | None = Field(
        None, description="The referring organization, when you belong to several"
    )
    needs: NeedsIn | None = None
    shared: SharedIn | None = None
    consent: ConsentIn | None = None
    confirm_old_figure: StrictBool = Field(
        False,
        description=(
            "Hold even though the capacity figure is aging or stale (for example '1 bed "
            "open, updated 2 days ago'). Without it such a hold is refused with 409, "
            "naming this field; call the provider first. Checked against the figure as "
            "it stands when the hold is placed."
        ),
    )


class StatusIn(Schema):
    model_config = ConfigDict(extra="forbid")

    status: Literal[
        "viewed",
        "accepted",
        "declined",
        "waitlisted",
        "intake_scheduled",
        "intake_completed",
        "no_show",
        "withdrawn",
    ]
    reason: DeclineReason | None = None
    note: Annotated[str, StringConstraints(max_length=2000)] = ""
    intake_at: BoundedDatetime | None = Field(None, description="Within a year of now")


class ListQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    box: Literal["all", "inbox", "outbox"] = "all"
    status: Status | None = None
    open: StrictBool | None = None
    limit: int = Limit(50, 200)
    offset: Offset = 0


def _stored_needs(needs: NeedsIn | None) -> dict[str, Any]:
    if needs is None:
        return {}
    needs_from(needs)  # validates the postcode, as matching does (422 naming the field)
    return needs.model_dump(mode="json", exclude_unset=True, exclude={"limit"})


def _hold_limit_detail(exc: services.HoldLimitReached) -> dict[str, Any]:
    return {"detail": [{"loc": ["body", "hold"], "msg": str(exc), "type": "hold_limit"}]}


@router.post(
    "/referrals",
    response={201: dict[str, Any], 409: dict[str, Any], **Errors},
    auth=write_auth,
    summary="Send a referral, holding one open unit of the service when asked",
    description=(
        "With `hold: true`, one open unit is kept for the person. 409 when nothing is open "
        'or a hold cap is reached (`loc: ["body", "hold"]`), and 409 when the '
        "capacity figure the unit would come from is aging or stale and "
        '`confirm_old_figure` is not true (`loc: ["body", "confirm_old_figure"]`, '
        '`type: "old_figure"`, the figure in `ctx`): the figure may be out of date, so '
        "call the provider first, or send again with `confirm_old_figure: true`. 409, not "
        "422, because the same body succeeds once the provider updates the figure. A "
        "fresh figure needs no confirmation; a hold placed on an old one is marked so, "
        "and the provider sees it."
    ),
)
def referral_create(request: HttpRequest, payload: ReferralIn) -> Any:
    user = api_user(request)
    consent = None
    if payload.consent is not None:
        consent = services.ConsentInput(
            categories=list(payload.consent.categories),
            purpose=payload.consent.purpose,
            method=payload.consent.method,
            expires_at=payload.consent.expires_at,
        )
    shared = payload.shared.model_dump(exclude_none=True) if payload.shared else {}
    try:
        referral = services.referral_create(
            actor=user,
            service_id=payload.service_id,
            needs=_stored_needs(payload.needs),
            shared=shared,
            consent=consent,
            hold=payload.hold,
            capacity_id=payload.capacity_id,
            organization_id=payload.organization_id,
            confirm_old_figure=payload.confirm_old_figure,
        )
    except services.OldFigure as exc:
        return Answer(409, old_figure.api_detail(exc.figure, timezone.now()))
    except services.NoUnitOpen:
        return Answer(409, {"detail": "No unit of this service is open to hold."})
    except services.HoldLimitReached as exc:
        return Answer(409, _hold_limit_detail(exc))
    referral = selectors.referral_for_user(user, referral.pk)
    return Answer(201, presenters.referral_json(referral, user))


@router.get(
    "/referrals",
    response={200: dict[str, Any], **Errors},
    auth=write_auth,
    summary="Referrals your organizations sent or received, newest first",
)
def referral_list(request: HttpRequest, query: Query[ListQuery]) -> Any:
    user = api_user(request)
    page = selectors.referrals_page(
        user,
        box=query.box,
        status=query.status,
        open_only=query.open,
        limit=query.limit,
        offset=query.offset,
    )
    return {
        "total": page.total,
        "results": [presenters.referral_summary_json(r, user) for r in page.items],
    }


@router.get(
    "/referrals/{referral_id}",
    response={200: dict[str, Any], **Errors},
    auth=write_auth,
    summary="One referral, with the personal items you may see now",
)
def referral_detail(request: HttpRequest, referral_id: UUID) -> Any:
    user = api_user(request)
    referral = selectors.referral_for_user(user, referral_id)
    if services.referral_mark_viewed(referral=referral, actor=user):
        referral = selectors.referral_for_user(user, referral_id)
    return presenters.referral_json(referral, user)


@router.post(
    "/referrals/{referral_id}/status",
    response={200: dict[str, Any], 409: dict[str, Any], **Errors},
    auth=write_auth,
    summary="Move a referral on: view, accept, decline (with a reason), withdraw ...",
)
def referral_status(request: HttpRequest, referral_id: UUID, payload: StatusIn) -> Any:
    user = api_user(request)
    referral: Referral = selectors.referral_for_user(user, referral_id)
    if payload.status == Status.DECLINED and payload.reason is None:
        raise FieldError("reason", "a decline needs a reason from the list")
    try:
        services.referral_transition(
            referral=referral,
            actor=user,
            status=payload.status,
            reason=payload.reason or "",
            note=payload.note,
            intake_at=payload.intake_at,
        )
    except services.TransitionNotAllowed as exc:
        detail = f"A referral that is {exc.current} cannot become {exc.target}."
        return Answer(409, {"detail": detail})
    return presenters.referral_json(selectors.referral_for_user(user, referral_id), user)


@router.post(
    "/referrals/{referral_id}/release",
    response={200: dict[str, Any], 409: dict[str, Any], **Errors},
    auth=write_auth,
    summary="Give back the place held for a referral (the receiving provider's staff)",
)
def referral_release(request: HttpRequest, referral_id: UUID) -> Any:
    user = api_user(request)
    referral = selectors.referral_for_user(user, referral_id)
    try:
        services.hold_release(referral=referral, actor=user)
    except services.HoldNotActive:
        detail = [{"loc": ["path", "referral_id"], "msg": "no place is held for this referral"}]
        return Answer(409, {"detail": detail})
    return presenters.referral_json(selectors.referral_for_user(user, referral_id), user)
