"""`/api/v1/cases`: list, open, read and change case records (HTCDS 2.0 codes).

A case is visible to its assigned caseworkers, the supervisors of its organization and,
for the groups a consent grants and while it is in force, the organizations it is shared
with. Everyone else gets 404, as for a case that does not exist (an id that is not a UUID
too). Every read of personal fields is audited, and logged as a disclosure for anyone not
assigned to the case.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Answer
from pydantic import BeforeValidator, ConfigDict, StrictBool, StrictInt, StringConstraints

from lantern.accounts.api_auth import api_user, write_auth
from lantern.cases import fields, indexing, reading, selectors, services
from lantern.cases.models import Case
from lantern.cases.reading import CaseDetail
from lantern.cases.selectors import CaseQuery
from lantern.core.api_errors import WRITE_ERRORS, FieldError
from lantern.core.bounds import BoundedDate, Limit, Offset
from lantern.core.errors import NotFound

router = Router(tags=["cases"])

Error = dict[str, Any]
Errors = WRITE_ERRORS


def _iso_date(value: Any) -> Any:
    """Dates are written YYYY-MM-DD: pydantic alone would also take a number (a Unix time)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date written YYYY-MM-DD")
    return value


IsoDate = Annotated[BoundedDate, BeforeValidator(_iso_date)]
Code = Annotated[str, StringConstraints(max_length=60)]
CodeList = Annotated[list[Code], Field(max_length=40)]
CaseStatus = Literal["Active", "FollowUp", "Closed", "ClosedReferred"]


class Place(Schema):
    """Where something happened: never a street address."""

    model_config = ConfigDict(extra="forbid")

    place_type: str = Field(
        ..., max_length=20, description="hte_Type: Recruitment, Transit or Exploitation"
    )
    country: str = Field(..., max_length=3, description="ISO 3166-1 alpha-2, such as MX")
    state: str = Field("", max_length=2, description="US only: 2-digit FIPS state code")
    county: str = Field("", max_length=5, description="US only: 5-digit FIPS county code")


class CaseFields(Schema):
    """The fields of a case one may write. Codes are HTCDS 2.0 value names; a code outside
    the standard is a 422 naming the field."""

    model_config = ConfigDict(extra="forbid")

    alias: str | None = Field(
        None, max_length=fields.ALIAS_MAX, description="prs_FirstName: first name or alias"
    )
    contact: str | None = Field(
        None, max_length=fields.CONTACT_MAX, description="A safe way and time to make contact"
    )
    birth_year: StrictInt | None = Field(None, ge=1900, le=2100)
    age_band: str | None = Field(
        None, max_length=8, description="Only without a birth year: 0-11, 12-14 ... 65+"
    )
    gender: str | None = Field(None, max_length=40, description="prs_Gender, such as Feminine")
    citizenship: str | None = Field(None, max_length=3, description="ISO 3166-1 alpha-2")
    primary_language: str | None = Field(None, max_length=3, description="ISO 639-2, such as spa")
    trafficking_status: str | None = Field(
        None,
        max_length=40,
        description="vic_TraffickingStatus, such as PossibleVictimOfTrafficking",
    )
    types_of_exploitation: CodeList | None = Field(
        None, description="vic_TypeOfExploitation codes, such as ForcedLabour"
    )
    methods_of_control: CodeList | None = Field(
        None, description="vic_MethodsOfControl codes, such as DebtBondage"
    )
    method_of_recruitment: str | None = Field(None, max_length=60)
    forced_labour_industry: str | None = Field(
        None, max_length=60, description="ISIC section, such as F_Construction"
    )
    identified_on: IsoDate | None = None
    opened_on: IsoDate | None = Field(None, description="Default: today")
    status: Literal["Active", "FollowUp"] | None = Field(
        None, description="cas_Status; a case is closed through a supervisor's approval"
    )
    places: list[Place] | None = Field(None, max_length=fields.MAX_PLACES)
    child_report_on: IsoDate | None = None
    child_report_agency: str | None = Field(None, max_length=fields.AGENCY_MAX)
    child_report_reference: str | None = Field(None, max_length=fields.REFERENCE_MAX)


class CaseIn(CaseFields):
    organization_id: UUID | None = Field(
        None, description="The organization the case belongs to, when you keep cases for several"
    )
    duplicates_reviewed: StrictBool = Field(
        False,
        description=(
            "Possible duplicates (same organization, tolerant matching on alias, birth year, "
            "language and place) answer 409 listing their numbers; send again with true once "
            "a person checked that none is the same person."
        ),
    )


class CaseOut(Schema):
    """A case as the caller may see it: the groups granted (`groups`) and nothing else."""

    id: UUID
    number: str
    status: str
    opened_on: date
    closed_on: date | None = None
    purged: bool = False
    access: Literal["assigned", "supervisor", "shared"]
    groups: list[str]
    shared_by: str | None = Field(None, description="Shared reach: the sharing organization")
    shared_until: datetime | None = Field(None, description="Shared reach: the consent's end")
    merged_into: str | None = Field(None, description="The number of the case it was merged into")
    alias: str | None = None
    birth_year: int | None = None
    age_band: str | None = None
    gender: str | None = None
    citizenship: str | None = None
    primary_language: str | None = None
    contact: str | None = None
    trafficking_status: str | None = None
    types_of_exploitation: list[str] | None = None
    methods_of_control: list[str] | None = None
    method_of_recruitment: str | None = None
    forced_labour_industry: str | None = None
    identified_on: date | None = None
    places: list[Place] | None = None


class CaseRowOut(Schema):
    id: UUID
    number: str
    status: str
    opened_on: date
    closed_on: date | None = None
    alias: str | None = Field(None, description="Absent for a shared case without identity")
    assignee_ids: list[UUID] | None = Field(None, description="Your own cases only")
    shared_by: str | None = None
    shared_until: datetime | None = None
    groups: list[str] | None = None


class CaseList(Schema):
    total: int
    results: list[CaseRowOut]


class ListQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    scope: Literal["own", "shared"] = Field(
        "own", description="own: the cases you work on; shared: shared with your organization"
    )
    number: str = Field("", max_length=20)
    status: CaseStatus | None = None
    opened_from: IsoDate | None = None
    opened_to: IsoDate | None = None
    assignee: UUID | None = Field(None, description="Own cases: assigned to this person")
    alias: str = Field(
        "", max_length=fields.ALIAS_MAX, description="Own cases: whole words of the alias"
    )
    limit: int = Limit(25, 100)
    offset: Offset = 0


def _case_out(detail: CaseDetail, user: Any) -> dict[str, Any]:
    case, reach = detail.case, detail.reach
    out: dict[str, Any] = {
        **detail.values,
        "access": reach.mode,
        "groups": sorted(reach.groups),
    }
    if case.merged_into_id is not None:
        out["merged_into"] = Case.objects.get(pk=case.merged_into_id).number
    if not reach.own:
        rows = selectors.shared_case_rows(user, [case])
        out["shared_by"] = case.organization.name
        out["shared_until"] = rows[0].expires_at if rows else None
    return out


def _organization(user: Any, wanted: UUID | None) -> Any:
    organizations = selectors.case_organizations(user)
    if not organizations:
        raise NotFound
    if wanted is not None:
        found = next((org for org in organizations if org.pk == wanted), None)
        if found is None:
            raise FieldError("organization_id", "you do not keep cases for this organization")
        return found
    if len(organizations) > 1:
        raise FieldError("organization_id", "you keep cases for several organizations: name one")
    return organizations[0]


def _duplicates_answer(candidates: list[indexing.Candidate]) -> dict[str, Any]:
    by_id = {c.pk: c.number for c in selectors.cases_by_ids(x.case_id for x in candidates)}
    numbers = [by_id[c.case_id] for c in candidates if c.case_id in by_id]
    return {
        "detail": [
            {
                "loc": ["body", "duplicates_reviewed"],
                "msg": (
                    "possible duplicates in the organization: check them, then send again "
                    "with duplicates_reviewed true"
                ),
                "type": "duplicates",
                "ctx": {"candidates": numbers},
            }
        ]
    }


@router.post(
    "/cases",
    response={201: CaseOut, 409: Error, **Errors},
    auth=write_auth,
    exclude_unset=True,
    summary="Open a case (caseworkers); possible duplicates answer 409 first",
    description=(
        "The caller is assigned to the new case and owns it. Without "
        "`duplicates_reviewed: true`, possible duplicates in the organization answer 409 "
        '(`loc: ["body", "duplicates_reviewed"]`, their case numbers in '
        "`ctx.candidates`) and nothing is written."
    ),
)
def case_create(request: HttpRequest, payload: CaseIn) -> Any:
    user = api_user(request)
    organization = _organization(user, payload.organization_id)
    data = payload.model_dump(
        exclude_unset=True, exclude={"organization_id", "duplicates_reviewed"}
    )
    try:
        case = services.case_create(
            actor=user,
            organization=organization,
            data=data,
            duplicates_reviewed=payload.duplicates_reviewed,
        )
    except services.DuplicatesFound as exc:
        return Answer(409, _duplicates_answer(exc.candidates))
    case, reach = selectors.case_for_user(user, case.pk)
    detail = reading.case_read(actor=user, case=case, reach=reach)
    return Answer(201, _case_out(detail, user))


def _row(case: Case, alias: str | None, assignees: list[Any] | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": case.pk,
        "number": case.number,
        "status": case.status,
        "opened_on": case.opened_on,
        "closed_on": case.closed_on,
    }
    if alias is not None:
        row["alias"] = alias
    if assignees is not None:
        row["assignee_ids"] = assignees
    return row


def _case_query(query: ListQuery) -> CaseQuery:
    if query.opened_from and query.opened_to and query.opened_from > query.opened_to:
        raise FieldError("opened_to", "must be on or after opened_from", where="query")
    digests: tuple[str, ...] = ()
    if query.alias.strip():
        digests = indexing.alias_search_digests(query.alias)
        if not digests:
            raise FieldError("alias", "type a word of two letters or more", where="query")
    return CaseQuery(
        number=query.number,
        status=query.status or "",
        opened_from=query.opened_from,
        opened_to=query.opened_to,
        assignee_id=query.assignee,
        alias_digests=digests,
    )


@router.get(
    "/cases",
    response={200: CaseList, **Errors},
    auth=write_auth,
    exclude_unset=True,
    summary="The cases you work on, or the ones shared with your organization, newest first",
    description=(
        "A caseworker's own cases are those assigned to them; a supervisor's, every case of "
        "their organization. The aliases shown are one audited read. With `scope=shared`, "
        "only number, status and date filters apply, and the alias is given only where the "
        "consent grants the identity group."
    ),
)
def case_list(request: HttpRequest, query: Query[ListQuery]) -> Any:
    user = api_user(request)
    if not selectors.case_organizations(user):
        raise NotFound
    case_query = _case_query(query)
    end = query.offset + query.limit
    if query.scope == "own":
        cases = selectors.case_search(user, case_query)
        total = cases.count()
        page = list(selectors.for_listing(cases)[query.offset : end])
        rows, _shared = reading.case_list_page(actor=user, cases=page)
        results = [_row(r.case, r.alias, list(r.assignee_ids)) for r in rows]
        return {"total": total, "results": results}
    if query.alias or query.assignee:
        field = "alias" if query.alias else "assignee"
        raise FieldError(field, "not available with scope=shared", where="query")
    shared = selectors.shared_search(user, case_query)
    total = shared.count()
    page = list(selectors.for_listing(shared)[query.offset : end])
    _own, shared_rows = reading.case_list_page(
        actor=user, cases=[], shared=selectors.shared_case_rows(user, page)
    )
    results = []
    for row in shared_rows:
        item = _row(row.case, row.alias if "identity" in row.groups else None, None)
        item.update(
            shared_by=row.case.organization.name,
            shared_until=row.expires_at,
            groups=sorted(row.groups),
        )
        results.append(item)
    return {"total": total, "results": results}


@router.get(
    "/cases/{case_id}",
    response={200: CaseOut, **Errors},
    auth=write_auth,
    exclude_unset=True,
    summary="One case, with the groups you may see (audited)",
)
def case_detail(request: HttpRequest, case_id: str) -> Any:
    user = api_user(request)
    case, reach = selectors.case_for_user(user, case_id)
    return _case_out(reading.case_read(actor=user, case=case, reach=reach), user)


@router.patch(
    "/cases/{case_id}",
    response={200: CaseOut, **Errors},
    auth=write_auth,
    exclude_unset=True,
    summary="Change fields of a case (its caseworkers and supervisors; never under a share)",
    description=(
        "Only the fields sent change; each change is kept in the case's history (personal "
        "values sealed) and the owner is told when someone else changed the case."
    ),
)
def case_patch(request: HttpRequest, case_id: str, payload: CaseFields) -> Any:
    user = api_user(request)
    case, reach = selectors.case_for_edit(user, case_id)
    services.case_update(actor=user, case=case, data=payload.model_dump(exclude_unset=True))
    case, reach = selectors.case_for_edit(user, case.pk)
    return _case_out(reading.case_read(actor=user, case=case, reach=reach), user)
