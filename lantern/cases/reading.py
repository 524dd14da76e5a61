"""Opening a case for a person: only the groups their reach covers, and always audited.

`case_read` is the one way a page or the API gets a case's personal fields in clear. It
writes the audit event and, for anyone but an assigned caseworker, a disclosure-log row.
`case_list_rows` does the same for a page of a list with one event naming the cases.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lantern.cases.access import audit_read
from lantern.cases.keys import CaseKeyDestroyed, cipher_for
from lantern.cases.models import Case
from lantern.cases.models.case import AccessKind
from lantern.cases.policy import Reach

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


def case_list_rows(*, actor: Any, cases: list[Case], organization_id: Any = None) -> list[CaseRow]:
    """A page of a case list with each alias opened: one audit event naming the cases."""
    rows = []
    for case in cases:
        try:
            alias = cipher_for(case).open(case.alias_sealed)
        except CaseKeyDestroyed:
            alias = ""
        assignees = tuple(a.user_id for a in case.assignments.all())
        rows.append(CaseRow(case=case, alias=alias, assignee_ids=assignees))
    audit_read(
        cases=cases,
        actor=actor,
        kind=AccessKind.LIST,
        organization_id=organization_id,
        groups=["identity"],
        action="case.list",
    )
    return rows


def today_age(case_values_: dict[str, Any], on: date) -> int | None:
    year = case_values_.get("birth_year")
    return on.year - int(year) if year else None
