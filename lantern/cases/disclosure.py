"""The disclosure log as the person reads it: "who has seen my record".

`access.log_access` writes a row for every read by anyone but the case's assigned
caseworkers. A share or a transfer is written here instead (`log_disclosure`): it sends the
record to another organization, so it is a disclosure whoever makes it, the assigned
caseworker included. The row names the organization the record went to.

`disclosure_log_read` is the one way to read the log (page and API): it audits the read.
The rows carry no personal data of the person, only staff names, organizations, what was
done and which groups.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from lantern.audit.services import audit_record
from lantern.cases.models import Case, CaseAccess, CompelledDisclosure
from lantern.cases.models.case import AccessKind
from lantern.consent.models import CaseGroup

OBJECT_TYPE = "case"
# Rows that record the case leaving for another organization (the row's organization is the
# one it went to); on every other row it is the organization of the person who read it.
OUTGOING = frozenset({AccessKind.SHARE, AccessKind.TRANSFER})
SYSTEM_NAME = _("Lantern (automatic)")
REMOVED_NAME = _("A person whose account was removed")
PAGE_LANGUAGES = ("en", "es")
# The case's primary language (ISO 639-2) -> the page's language, when Lantern has it.
PERSON_LANGUAGE = {"eng": "en", "spa": "es"}


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def log_disclosure(
    *, case: Case, actor: Any, kind: str, recipient_id: Any, groups: Iterable[str]
) -> CaseAccess:
    """One row for a share or transfer of `case` to `recipient_id` (called inside the
    writing service's transaction)."""
    user = _user(actor)
    return CaseAccess.objects.create(
        case=case,
        kind=kind,
        actor=user,
        actor_label=f"user:{user.pk}" if user is not None else "system",
        organization_id=recipient_id,
        groups=sorted(set(groups)),
    )


@dataclass(frozen=True)
class DisclosureRow:
    at: datetime
    kind: str
    kind_label: Any
    who: Any  # the person's name, or "Lantern (automatic)"
    organization: str  # the organization the person acted for
    recipient: str  # for a share or transfer: the organization the record went to
    groups: tuple[tuple[str, Any], ...]  # (code, label)

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "kind_label": str(self.kind_label),
            "who": str(self.who),
            "organization": self.organization,
            "recipient": self.recipient or None,
            "groups": [code for code, _label in self.groups],
        }


def _who(access: CaseAccess) -> Any:
    if access.actor is not None:
        return access.actor.display_name or access.actor.email
    if access.actor_label == "system":
        return SYSTEM_NAME
    return REMOVED_NAME


def _group_label(code: str) -> Any:
    return CaseGroup(code).label if code in CaseGroup.values else code


def _row(access: CaseAccess, case: Case) -> DisclosureRow:
    other = access.organization.name if access.organization is not None else ""
    outgoing = access.kind in OUTGOING
    kind_label = AccessKind(access.kind).label if access.kind in AccessKind.values else access.kind
    return DisclosureRow(
        at=access.at,
        kind=access.kind,
        kind_label=kind_label,
        who=_who(access),
        organization=case.organization.name if outgoing else other,
        recipient=other if outgoing else "",
        groups=tuple((code, _group_label(code)) for code in access.groups or []),
    )


def page_language(requested: str, case: Case, current: str) -> str:
    """The language of the printable page: the one asked for (`?lang=`), else the person's
    own when Lantern speaks it, else the reader's."""
    if requested in PAGE_LANGUAGES:
        return requested
    person = PERSON_LANGUAGE.get(case.primary_language or "")
    if person:
        return person
    return current if current in PAGE_LANGUAGES else PAGE_LANGUAGES[0]


def disclosure_log_read(
    *, actor: Any, case: Case, limit: int | None = None, offset: int = 0, via: str = "page"
) -> tuple[int, list[DisclosureRow]]:
    """The case's disclosure log, newest first, and its total; the read is audited.

    A release under a court order that forbids telling the person (a gag order) is left out
    while the case has such an order: the log is what the person is given. The release stays
    in the audit log and in the order's own record, for the organization's legal staff."""
    accesses = CaseAccess.objects.filter(case=case).select_related("actor", "organization")
    if CompelledDisclosure.objects.filter(case=case, notification_forbidden=True).exists():
        accesses = accesses.exclude(kind=AccessKind.COMPELLED)
    total = accesses.count()
    window = accesses.order_by("-at", "-id")[offset : None if limit is None else offset + limit]
    rows = [_row(access, case) for access in window]
    audit_record(
        actor=actor,
        action="case.disclosures_read",
        object_type=OBJECT_TYPE,
        object_id=case.pk,
        detail={"via": via, "total": total, "shown": len(rows)},
    )
    return total, rows
