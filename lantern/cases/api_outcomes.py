"""Case API: outcome assessments.

`POST /cases/{case_id}/assessments` records one (whoever may change the case: its assigned
caseworkers and the organization's supervisors); `GET` lists them to whoever may see the
case's "assessments" group. A case the caller may not see, or whose assessments its consent
does not cover, is 404, as for a case that does not exist. Bad input is 422 naming the field
(`kind`, `assessed_on`, `scores`, `scores.<domain>`).
"""

from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Answer
from pydantic import ConfigDict

from lantern.accounts.api_auth import api_user, write_auth
from lantern.cases import selectors
from lantern.cases.assessments import assessment_record, assessments_read
from lantern.cases.models import Assessment
from lantern.cases.models.work import LIFE_DOMAIN_CODES
from lantern.core.api_errors import WRITE_ERRORS
from lantern.core.bounds import BoundedDate, Limit, Offset
from lantern.core.errors import NotFound

router = Router(tags=["cases"])

Errors = WRITE_ERRORS


class AssessmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["intake", "interval", "closure"] = Field(
        description="intake (once, first), interval (a follow-up) or closure (once, last)"
    )
    assessed_on: BoundedDate = Field(
        description="Not in the future, nor more than a year before the case was opened"
    )
    scores: dict[str, Any] = Field(
        description=(
            "Level 1 (in crisis) to 5 (doing well) per life domain, at least one: "
            + ", ".join(LIFE_DOMAIN_CODES)
        )
    )


class ListQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    limit: int = Limit(50, 200)
    offset: Offset = 0


def _assessment_json(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "case_id": str(assessment.case_id),
        "kind": assessment.kind,
        "assessed_on": assessment.assessed_on.isoformat(),
        "scores": dict(assessment.scores or {}),
        "created": assessment.created.isoformat(),
    }


@router.post(
    "/cases/{case_id}/assessments",
    response={201: dict[str, Any], **Errors},
    auth=write_auth,
    summary="Record an outcome assessment of a case (levels 1-5 per life domain)",
)
def assessment_create(request: HttpRequest, case_id: UUID, payload: AssessmentIn) -> Any:
    user = api_user(request)
    case, _reach = selectors.case_for_edit(user, case_id)
    assessment = assessment_record(
        actor=user,
        case=case,
        kind=payload.kind,
        assessed_on=payload.assessed_on,
        scores=payload.scores,
    )
    return Answer(201, _assessment_json(assessment))


@router.get(
    "/cases/{case_id}/assessments",
    response={200: dict[str, Any], **Errors},
    auth=write_auth,
    summary="A case's outcome assessments, oldest first",
)
def assessment_list(request: HttpRequest, case_id: UUID, query: Query[ListQuery]) -> Any:
    user = api_user(request)
    case, reach = selectors.case_for_user(user, case_id)
    history = assessments_read(actor=user, case=case, reach=reach)
    if history is None:
        raise NotFound
    page = history.assessments[query.offset : query.offset + query.limit]
    return {"total": len(history.assessments), "results": [_assessment_json(a) for a in page]}
