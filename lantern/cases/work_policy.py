"""Who may do what with the work on a case: plan, tasks, notes, documents, approvals.

Built on `policy.Reach` (how far a user reaches into one case):
- the case's own organization (an assigned caseworker, or a supervisor) sees and changes
  everything of the work while the case is not purged;
- a recipient organization under a share sees the plan, the notes and the documents only
  when its consent grants "plan", "notes", "documents"; it never changes the plan, never
  uploads, never asks for an approval; it adds notes only when the share says it may and
  "notes" is granted;
- approving or returning a plan or a closure: supervisors of the case's organization.
"""

from typing import Any

from lantern.cases import policy
from lantern.cases.policy import Reach

PLAN, NOTES, DOCUMENTS = "plan", "notes", "documents"


def _live(case: Any) -> bool:
    return case.purged_at is None


def may_work(reach: Reach | None, case: Any) -> bool:
    """Change the plan and tasks, upload documents, ask for an approval."""
    return policy.may_edit(reach, case)


def sees_plan(reach: Reach | None) -> bool:
    return reach is not None and reach.sees(PLAN)


def sees_notes(reach: Reach | None) -> bool:
    return reach is not None and reach.sees(NOTES)


def sees_documents(reach: Reach | None) -> bool:
    return reach is not None and reach.sees(DOCUMENTS)


def sees_approvals(reach: Reach | None) -> bool:
    """The approvals are the organization's own business, never shared."""
    return reach is not None and reach.own


def may_add_note(reach: Reach | None, case: Any) -> bool:
    if reach is None or not _live(case):
        return False
    if reach.own:
        return True
    return reach.may_add_notes and reach.sees(NOTES)


def may_decide(user: Any, case: Any) -> bool:
    """Approve or return a plan or a closure: a supervisor of the case's organization."""
    return _live(case) and policy.may_supervise(user, case.organization_id)


def may_see_supervision(user: Any) -> bool:
    return bool(policy.supervisor_org_ids(user))
