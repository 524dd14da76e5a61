"""Who may see and change case records. Default deny; "not allowed" looks like "not found".

- A caseworker (capability KEEP_CASES) sees the cases of their organization that are
  assigned to them; a supervisor (SUPERVISE_CASES) every case of their organization.
- A recipient organization's caseworkers and supervisors see a case shared with it, and only
  the groups its consent grants, while that consent is in force; they may add notes only if
  the share says so. Nothing else of it, ever: no edit, no share, no documents not granted.
- Nobody else sees anything: not coalition admins, not analysts, not the Django admin.
- Legal holds and compelled-disclosure records: supervisors and organization admins
  (KEEP_LEGAL_RECORDS) of the case's organization. The retention schedule: organization
  admins (SET_RETENTION).
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q

from lantern.accounts.roles import Capability
from lantern.accounts.selectors import organization_ids_with
from lantern.cases.models import CaseAssignment
from lantern.consent.models import CaseGroup

ALL_GROUPS: frozenset[str] = frozenset(CaseGroup.values)


def _authenticated(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def caseworker_org_ids(user: Any) -> set[Any]:
    return organization_ids_with(user, Capability.KEEP_CASES) if _authenticated(user) else set()


def supervisor_org_ids(user: Any) -> set[Any]:
    return (
        organization_ids_with(user, Capability.SUPERVISE_CASES) if _authenticated(user) else set()
    )


def own_reach(user: Any) -> Q:
    """The cases of the user's own organizations they may work on (assigned, or supervised)."""
    if not _authenticated(user):
        return Q(pk__in=[])
    supervised = supervisor_org_ids(user)
    kept = caseworker_org_ids(user) - supervised
    assigned = Exists(CaseAssignment.objects.filter(case=OuterRef("pk"), user=user))
    return Q(organization_id__in=supervised) | (Q(organization_id__in=kept) & Q(assigned))


@dataclass(frozen=True)
class Reach:
    """What one user may do with one case."""

    mode: str  # "assigned" | "supervisor" | "shared"
    groups: frozenset[str] = field(default=ALL_GROUPS)
    may_add_notes: bool = True
    organization_id: Any = None  # the user's organization acting on the case

    @property
    def own(self) -> bool:
        return self.mode in ("assigned", "supervisor")

    @property
    def supervisor(self) -> bool:
        return self.mode == "supervisor"

    def sees(self, group: str) -> bool:
        return group in self.groups


def own_reach_for(user: Any, case: Any, *, assigned_user_ids: set[Any]) -> Reach | None:
    if not _authenticated(user):
        return None
    if case.organization_id in supervisor_org_ids(user):
        return Reach("supervisor", organization_id=case.organization_id)
    if case.organization_id in caseworker_org_ids(user) and user.pk in assigned_user_ids:
        return Reach("assigned", organization_id=case.organization_id)
    return None


def may_edit(reach: Reach | None, case: Any) -> bool:
    return reach is not None and reach.own and case.purged_at is None


def may_share(reach: Reach | None, case: Any) -> bool:
    return may_edit(reach, case)


def may_supervise(user: Any, organization_id: Any) -> bool:
    return organization_id in supervisor_org_ids(user)


def may_keep_legal_records(user: Any, organization_id: Any) -> bool:
    if not _authenticated(user):
        return False
    return organization_id in organization_ids_with(user, Capability.KEEP_LEGAL_RECORDS)


def legal_org_ids(user: Any) -> set[Any]:
    if not _authenticated(user):
        return set()
    return organization_ids_with(user, Capability.KEEP_LEGAL_RECORDS)


def may_set_retention(user: Any, organization_id: Any) -> bool:
    if not _authenticated(user):
        return False
    return organization_id in organization_ids_with(user, Capability.SET_RETENTION)


def may_open_cases(user: Any) -> bool:
    return bool(caseworker_org_ids(user))


def may_evaluate(user: Any, organization_id: Any) -> bool:
    """The program evaluation page (aggregates of the organization's cases): supervisors."""
    return may_supervise(user, organization_id)


def may_keep_legal_records_anywhere(user: Any) -> bool:
    """The staff bar's entry to legal holds and court orders."""
    return bool(legal_org_ids(user))


def may_set_retention_anywhere(user: Any) -> bool:
    if not _authenticated(user):
        return False
    return bool(organization_ids_with(user, Capability.SET_RETENTION))


def may_evaluate_anywhere(user: Any) -> bool:
    """The staff bar's entry to the program evaluation (supervisors)."""
    return bool(supervisor_org_ids(user))
