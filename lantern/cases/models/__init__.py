"""Case records on HTCDS 2.0 (see `case.py` for the record, its key and its history)."""

from lantern.cases.models.case import (
    Case,
    CaseAccess,
    CaseAssignment,
    CaseChange,
    CaseKey,
    CaseSearchKey,
    ExploitationPlace,
)
from lantern.cases.models.legal import (
    CompelledDisclosure,
    LegalHold,
    RetentionSchedule,
)
from lantern.cases.models.sharing import CaseReferral, CaseShare, CaseTransfer
from lantern.cases.models.work import (
    Approval,
    Assessment,
    CaseDocument,
    CaseNote,
    CaseTask,
    PlanGoal,
)

__all__ = [
    "Approval",
    "Assessment",
    "Case",
    "CaseAccess",
    "CaseAssignment",
    "CaseChange",
    "CaseDocument",
    "CaseKey",
    "CaseNote",
    "CaseReferral",
    "CaseSearchKey",
    "CaseShare",
    "CaseTask",
    "CaseTransfer",
    "CompelledDisclosure",
    "ExploitationPlace",
    "LegalHold",
    "PlanGoal",
    "RetentionSchedule",
]
