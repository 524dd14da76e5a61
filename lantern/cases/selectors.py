"""Reads of case records, already cut to what the user may see.

A missing case and a case the user may not see both raise `NotFound`. These selectors
return rows with their sealed fields still sealed: opening them is `reading.case_read`,
which writes the audit event and the disclosure-log entry that every read of personal data
needs.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from lantern.accounts.models import Membership, Organization
from lantern.accounts.roles import Capability, roles_with
from lantern.cases import policy
from lantern.cases.models import Case, CaseAssignment, CaseSearchKey, CaseShare
from lantern.cases.policy import Reach
from lantern.consent.selectors import consent_allows
from lantern.core.errors import NotFound


def _get(model: Any, pk: Any) -> Any:
    try:
        return model.objects.filter(pk=pk).first()
    except (ValidationError, ValueError, TypeError):
        return None  # not a UUID: it cannot exist


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """The cases of the user's own organizations they may work on (not shared ones)."""
    return Case.objects.filter(policy.own_reach(user))


def active_shares_for(user: Any) -> QuerySet[CaseShare]:
    """Shares to the user's organizations whose consent is in force now."""
    now = timezone.now()
    return CaseShare.objects.filter(
        recipient_id__in=policy.caseworker_org_ids(user),
        consent__revoked_at__isnull=True,
        consent__created__lte=now,
        consent__expires_at__gt=now,
        case__purged_at__isnull=True,
    )


def cases_shared_with(user: Any) -> QuerySet[Case]:
    """Cases shared with the user's organizations under a consent in force now (a merged
    case is gone from every list: it lives on in the case it was merged into)."""
    shares = active_shares_for(user).filter(case=OuterRef("pk"))
    return Case.objects.filter(Exists(shares), merged_into__isnull=True)


def assigned_user_ids(case: Case) -> set[Any]:
    return set(CaseAssignment.objects.filter(case=case).values_list("user_id", flat=True))


def shared_reach(user: Any, case: Case) -> Reach | None:
    """The groups the user's organizations were granted on this case, now; None if none."""
    groups: set[str] = set()
    may_add_notes = False
    organization_id = None
    for share in active_shares_for(user).filter(case=case).select_related("consent"):
        granted = {
            group
            for group in policy.ALL_GROUPS
            if consent_allows(share.consent, recipient_id=share.recipient_id, category=group)
        }
        if granted:
            groups |= granted
            may_add_notes = may_add_notes or share.may_add_notes
            organization_id = organization_id or share.recipient_id
    if not groups:
        return None
    return Reach(
        "shared",
        groups=frozenset(groups),
        may_add_notes=may_add_notes,
        organization_id=organization_id,
    )


def reach_for(user: Any, case: Case) -> Reach | None:
    own = policy.own_reach_for(user, case, assigned_user_ids=assigned_user_ids(case))
    if own is not None:
        return own
    if case.purged_at is not None:
        return None
    return shared_reach(user, case)


def case_for_user(user: Any, case_id: Any) -> tuple[Case, Reach]:
    """A case the user may see and how far, or 404 (missing and forbidden look the same)."""
    case = _get(Case, case_id)
    if case is None or (case.merged_into_id is not None and not _supervises(user, case)):
        raise NotFound
    reach = reach_for(user, case)
    if reach is None:
        raise NotFound
    return case, reach


def _supervises(user: Any, case: Case) -> bool:
    return policy.may_supervise(user, case.organization_id)


def case_for_edit(user: Any, case_id: Any) -> tuple[Case, Reach]:
    """A case the user may change (own reach, not purged, not merged into another), or 404."""
    case, reach = case_for_user(user, case_id)
    if not policy.may_edit(reach, case) or case.merged_into_id is not None:
        raise NotFound
    return case, reach


def case_for_supervisor(user: Any, case_id: Any) -> Case:
    case = _get(Case, case_id)
    if case is None or not policy.may_supervise(user, case.organization_id):
        raise NotFound
    return case


@dataclass(frozen=True)
class CaseQuery:
    """A case-list search. Every part is optional; `alias_digests` are blind-index digests
    of the alias the user typed (never the alias itself)."""

    number: str = ""
    status: str = ""
    opened_from: date | None = None
    opened_to: date | None = None
    assignee_id: Any = None
    alias_digests: tuple[str, ...] = ()


def case_search(user: Any, query: CaseQuery) -> QuerySet[Case]:
    """The user's own cases (not merged) matching `query`, newest first."""
    return _filtered(cases_visible_to(user).filter(merged_into__isnull=True), query)


def shared_search(user: Any, query: CaseQuery) -> QuerySet[Case]:
    """Cases shared with the user's organizations matching the number, status and dates of
    `query` (never the alias or the assignee: those are not theirs to search)."""
    plain = CaseQuery(
        number=query.number,
        status=query.status,
        opened_from=query.opened_from,
        opened_to=query.opened_to,
    )
    return _filtered(cases_shared_with(user), plain)


def _filtered(cases: QuerySet[Case], query: CaseQuery) -> QuerySet[Case]:
    if query.number:
        cases = cases.filter(number__iexact=query.number.strip())
    if query.status:
        cases = cases.filter(status=query.status)
    if query.opened_from:
        cases = cases.filter(opened_on__gte=query.opened_from)
    if query.opened_to:
        cases = cases.filter(opened_on__lte=query.opened_to)
    if query.assignee_id:
        assigned = CaseAssignment.objects.filter(case=OuterRef("pk"), user_id=query.assignee_id)
        cases = cases.filter(Exists(assigned))
    if query.alias_digests:
        # Every typed word must match one of the case's alias keys.
        for digest in query.alias_digests:
            keyed = CaseSearchKey.objects.filter(
                case=OuterRef("pk"), organization_id=OuterRef("organization_id"), digest=digest
            )
            cases = cases.filter(Exists(keyed))
    return cases.order_by("-opened_on", "-created")


def duplicate_candidates(
    organization_id: Any, digests: set[str], *, case_ids: set[Any] | None = None
) -> dict[Any, set[str]]:
    """Cases of one organization sharing any of `digests` (among `case_ids` when given):
    case id -> the digests shared."""
    found: dict[Any, set[str]] = {}
    rows = CaseSearchKey.objects.filter(
        organization_id=organization_id,
        digest__in=sorted(digests),
        case__purged_at__isnull=True,
        case__merged_into__isnull=True,
    )
    if case_ids is not None:
        rows = rows.filter(case_id__in=list(case_ids))
    for case_id, digest in rows.values_list("case_id", "digest"):
        found.setdefault(case_id, set()).add(digest)
    return found


def cases_by_ids(ids: Any) -> QuerySet[Case]:
    return Case.objects.filter(pk__in=list(ids))


def for_listing(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Case rows ready for a list page: their key (to open the alias) and their assignees
    come in two more queries for the whole page, not two per row."""
    return cases.select_related("key", "organization").prefetch_related("assignments__user")


def case_workers(organization_id: Any) -> QuerySet[Any]:
    """The active people who keep cases for an organization (in-force memberships only)."""
    user_ids = Membership.objects.filter(
        organization_id=organization_id, role__in=roles_with(Capability.KEEP_CASES)
    ).values_list("user_id", flat=True)
    return (
        get_user_model()
        .objects.filter(pk__in=list(user_ids), is_active=True)
        .order_by("display_name", "email")
    )


def supervised_case_workers(user: Any) -> QuerySet[Any]:
    """The caseworkers of every organization the user supervises (for the assignee filter
    and the handover page)."""
    user_ids = Membership.objects.filter(
        organization_id__in=policy.supervisor_org_ids(user),
        role__in=roles_with(Capability.KEEP_CASES),
    ).values_list("user_id", flat=True)
    return (
        get_user_model()
        .objects.filter(pk__in=list(user_ids), is_active=True)
        .order_by("display_name", "email")
    )


def cases_of_worker(organization_id: Any, worker: Any) -> QuerySet[Case]:
    """The live cases (not merged, not purged) of an organization assigned to `worker`."""
    assigned = CaseAssignment.objects.filter(case=OuterRef("pk"), user=worker)
    return Case.objects.filter(
        Exists(assigned),
        organization_id=organization_id,
        merged_into__isnull=True,
        purged_at__isnull=True,
    ).order_by("-opened_on", "-created")


def case_by_number(organization_id: Any, number: str) -> Case | None:
    return Case.objects.filter(organization_id=organization_id, number=number.strip()).first()


@dataclass(frozen=True)
class SharedCase:
    """A row of "shared with your organization": the case, the groups granted now, and the
    latest expiry among the consents that grant them."""

    case: Case
    reach: Reach
    expires_at: Any


def shared_case_rows(user: Any, cases: list[Case]) -> list[SharedCase]:
    rows = []
    for case in cases:
        reach = shared_reach(user, case)
        if reach is None:
            continue  # expired or revoked between the count and this row
        expiry = max(
            share.consent.expires_at
            for share in active_shares_for(user).filter(case=case).select_related("consent")
        )
        rows.append(SharedCase(case=case, reach=reach, expires_at=expiry))
    return rows


def case_organizations(user: Any) -> list[Any]:
    """The organizations the user keeps cases for, by name (where a new case may open)."""
    return list(
        Organization.objects.filter(pk__in=policy.caseworker_org_ids(user)).order_by("name")
    )


def worker_cases_for_supervisor(user: Any, worker: Any) -> QuerySet[Case]:
    """The live cases assigned to `worker` in the organizations `user` supervises."""
    assigned = CaseAssignment.objects.filter(case=OuterRef("pk"), user=worker)
    return Case.objects.filter(
        Exists(assigned),
        organization_id__in=policy.supervisor_org_ids(user),
        merged_into__isnull=True,
        purged_at__isnull=True,
    ).order_by("-opened_on", "-created")


def assignees_of(case: Case) -> list[Any]:
    """The people assigned to a case, by name."""
    return [
        assignment.user
        for assignment in CaseAssignment.objects.filter(case=case)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    ]


def open_cases_count(user: Any, *, limit: int) -> int:
    """How many open cases (Active, FollowUp) the user works on, counted up to `limit`
    (the staff home's card: a count, no personal data)."""
    cases = cases_visible_to(user).filter(
        merged_into__isnull=True, status__in=("Active", "FollowUp")
    )
    return len(cases.values_list("pk", flat=True)[:limit])
