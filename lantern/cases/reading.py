"""Opening a case for a person: only the groups their reach covers, and always audited.

`case_read` is the one way a page or the API gets a case's personal fields in clear. It
writes the audit event and, for anyone but an assigned caseworker, a disclosure-log row.
`case_list_rows` does the same for a page of a list with one event naming the cases.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lantern.audit.services import audit_record
from lantern.cases.access import OBJECT_TYPE, audit_read, log_access
from lantern.cases.fields import PERSONAL_FIELDS
from lantern.cases.keys import CaseKeyDestroyed, cipher_for
from lantern.cases.models import Case, CaseChange
from lantern.cases.models.case import AccessKind
from lantern.cases.policy import Reach
from lantern.cases.selectors import SharedCase

# Which fields belong to which consent group (lantern.consent.models.CaseGroup).
GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "identity": (
        "alias",
        "birth_year",
        "age_band",
        "gender",
        "citizenship",
        "primary_language",
    ),
    "contact": ("contact",),
    "trafficking": (
        "trafficking_status",
        "types_of_exploitation",
        "methods_of_control",
        "method_of_recruitment",
        "forced_labour_industry",
        "identified_on",
        "places",
    ),
}
# Shown to everyone who may see the case at all: no personal data.
BASE_FIELDS = ("id", "number", "status", "opened_on", "closed_on")


@dataclass
class CaseDetail:
    case: Case
    reach: Reach
    values: dict[str, Any] = field(default_factory=dict)

    def sees(self, group: str) -> bool:
        return self.reach.sees(group)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


def _places(case: Case) -> list[dict[str, str]]:
    return [
        {"place_type": p.place_type, "country": p.country, "state": p.state, "county": p.county}
        for p in case.places.order_by("id")
    ]


def case_values(case: Case, groups: frozenset[str]) -> dict[str, Any]:
    """The case's fields in clear, cut to `groups` (no audit: callers audit)."""
    values: dict[str, Any] = {
        "id": str(case.pk),
        "number": case.number,
        "status": case.status,
        "opened_on": case.opened_on,
        "closed_on": case.closed_on,
        "purged": case.purged_at is not None,
    }
    try:
        cipher = cipher_for(case)
    except CaseKeyDestroyed:
        cipher = None
    if "identity" in groups:
        values.update(
            alias=cipher.open(case.alias_sealed) if cipher else "",
            birth_year=int(cipher.open(case.birth_year_sealed) or 0) or None if cipher else None,
            age_band=case.age_band,
            gender=case.gender,
            citizenship=case.citizenship,
            primary_language=case.primary_language,
        )
    if "contact" in groups:
        values["contact"] = cipher.open(case.contact_sealed) if cipher else ""
    if "trafficking" in groups:
        values.update(
            trafficking_status=case.trafficking_status,
            types_of_exploitation=list(case.types_of_exploitation or []),
            methods_of_control=list(case.methods_of_control or []),
            method_of_recruitment=case.method_of_recruitment,
            forced_labour_industry=case.forced_labour_industry,
            identified_on=case.identified_on,
            places=_places(case),
        )
    return values


def case_read(*, actor: Any, case: Case, reach: Reach) -> CaseDetail:
    """The case as `actor` may see it; audited (and logged as a disclosure when the actor is
    not assigned to it)."""
    kind = AccessKind.READ if reach.own else AccessKind.SHARED_READ
    audit_read(
        cases=[case],
        actor=actor,
        kind=kind,
        organization_id=reach.organization_id,
        groups=reach.groups,
    )
    return CaseDetail(case=case, reach=reach, values=case_values(case, reach.groups))


@dataclass(frozen=True)
class CaseRow:
    case: Case
    alias: str
    assignee_ids: tuple[Any, ...]


@dataclass(frozen=True)
class SharedRow:
    """A case shared with the reader's organization: the alias only when the identity group
    is granted ("" otherwise), the groups, and when the consent ends."""

    case: Case
    alias: str
    groups: frozenset[str]
    expires_at: Any


def _alias(case: Case) -> str:
    try:
        return cipher_for(case).open(case.alias_sealed)
    except CaseKeyDestroyed:
        return ""


def case_list_page(
    *, actor: Any, cases: Sequence[Case], shared: Sequence[SharedCase] = ()
) -> tuple[list[CaseRow], list[SharedRow]]:
    """A page of case lists with the aliases opened: the reader's own cases (`cases`) and
    the cases shared with them (`shared`, alias only where identity is granted).

    ONE audit event names every case whose alias was opened; each of them not assigned to
    the reader also gets a disclosure-log row ("saw it in a list")."""
    rows = [
        CaseRow(
            case=case,
            alias=_alias(case),
            assignee_ids=tuple(a.user_id for a in case.assignments.all()),
        )
        for case in cases
    ]
    shared_rows = [
        SharedRow(
            case=item.case,
            alias=_alias(item.case) if item.reach.sees("identity") else "",
            groups=item.reach.groups,
            expires_at=item.expires_at,
        )
        for item in shared
    ]
    opened_shared = [item for item in shared if item.reach.sees("identity")]
    opened = [*cases, *(item.case for item in opened_shared)]
    if not opened:
        return rows, shared_rows
    audit_record(
        actor=actor,
        action="case.list",
        object_type=OBJECT_TYPE,
        object_id="list",
        detail={
            "kind": AccessKind.LIST,
            "case_ids": [str(case.pk) for case in opened],
            "groups": ["identity"],
        },
    )
    by_organization: dict[Any, list[Case]] = {}
    for case in cases:
        by_organization.setdefault(case.organization_id, []).append(case)
    for item in opened_shared:
        by_organization.setdefault(item.reach.organization_id, []).append(item.case)
    for organization_id, group in by_organization.items():
        log_access(
            cases=group,
            actor=actor,
            kind=AccessKind.LIST,
            organization_id=organization_id,
            groups=["identity"],
        )
    return rows, shared_rows


def case_list_rows(*, actor: Any, cases: list[Case], organization_id: Any = None) -> list[CaseRow]:
    """A page of a case list with each alias opened: one audit event naming the cases.
    (`organization_id` is kept for callers of the first version; each case's own
    organization is logged.)"""
    return case_list_page(actor=actor, cases=cases)[0]


@dataclass(frozen=True)
class CandidateRow:
    """A possible duplicate: the alias only for a case the reader may open."""

    case: Case
    alias: str
    reasons: tuple[str, ...]
    may_open: bool


def candidate_rows(
    *,
    actor: Any,
    cases: Sequence[Case],
    reasons: Mapping[Any, tuple[str, ...]],
    openable: set[Any],
) -> list[CandidateRow]:
    """The duplicate candidates as a page shows them; the aliases opened (only of the cases
    in `openable`) are one audited list read."""
    rows = [
        CandidateRow(
            case=case,
            alias=_alias(case) if case.pk in openable else "",
            reasons=reasons.get(case.pk, ()),
            may_open=case.pk in openable,
        )
        for case in cases
    ]
    case_list_page(actor=actor, cases=[case for case in cases if case.pk in openable])
    return rows


@dataclass(frozen=True)
class HistoryRow:
    case: Case
    field: str
    actor: Any
    at: Any
    old: Any
    new: Any


def _history_value(field: str, text: str) -> Any:
    if field in PERSONAL_FIELDS or field in ("merged_from", "merged_into"):
        return text
    try:
        return json.loads(text) if text else ""
    except ValueError:
        return text


def case_history(
    *, actor: Any, case: Case, reach: Reach, limit: int = 200, offset: int = 0
) -> tuple[list[HistoryRow], int]:
    """The change history of a case and of the cases merged into it, newest first, with
    old and new values opened (a read of personal data: audited and, for anyone not
    assigned, logged as a disclosure). Returns one page of rows and the total."""
    merged = list(case.merged_from.all())
    cases = [case, *merged]
    changes = (
        CaseChange.objects.filter(case__in=cases)
        .select_related("actor", "case__key")
        .order_by("-at", "-id")
    )
    total = changes.count()
    rows = []
    for change in changes[offset : offset + limit]:
        try:
            cipher = cipher_for(change.case)
            old, new = cipher.open(change.old_sealed), cipher.open(change.new_sealed)
        except CaseKeyDestroyed:
            old = new = ""
        rows.append(
            HistoryRow(
                case=change.case,
                field=change.field,
                actor=change.actor,
                at=change.at,
                old=_history_value(change.field, old),
                new=_history_value(change.field, new),
            )
        )
    audit_read(
        cases=cases,
        actor=actor,
        kind=AccessKind.READ if reach.own else AccessKind.SHARED_READ,
        organization_id=reach.organization_id,
        groups=reach.groups,
        action="case.history",
    )
    return rows, total
