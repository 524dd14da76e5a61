"""Reads for the legal side of case records: retention schedules, legal holds, compelled
disclosures and the child-welfare report duty.

Legal holds and compelled-disclosure records belong to the organization's legal keepers
(`policy.legal_org_ids`: organization admins and case supervisors). An organization admin
has no reach into any case: these reads give them the case's number and nothing personal.
A record the user may not keep raises `NotFound`, the same as a missing one.
"""

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from lantern.accounts.models import Organization
from lantern.cases import policy, vocab
from lantern.cases.keys import CaseKeyDestroyed, cipher_for
from lantern.cases.models import Case, CompelledDisclosure, LegalHold, RetentionSchedule
from lantern.cases.models.legal import DEFAULT_RETENTION_YEARS
from lantern.core.errors import NotFound

# A schedule is kept in days; people choose it in days or years (a year is 365.25 days,
# so seven years reach the same calendar day give or take one).
DAYS_PER_YEAR = 365.25
MAX_RETENTION_YEARS = 50


def days_for_years(years: int) -> int:
    return round(years * DAYS_PER_YEAR)


DEFAULT_RETENTION_DAYS = days_for_years(DEFAULT_RETENTION_YEARS)
MAX_RETENTION_DAYS = days_for_years(MAX_RETENTION_YEARS)

# vic_TraffickingStatus codes that carry the child-welfare report duty for a minor.
CHILD_REPORT_STATUSES = frozenset({"PossibleVictimOfTrafficking", "ActualVictimOfTrafficking"})
MINOR_AGE_BANDS = frozenset({"0-11", "12-14", "15-17"})
ADULT_AGE = 18


# --- Retention ------------------------------------------------------------------------


def retention_days(organization_id: Any) -> int:
    """Days an organization keeps a closed case's personal data (the default without a
    schedule of its own)."""
    days = (
        RetentionSchedule.objects.filter(organization_id=organization_id)
        .values_list("days_after_closure", flat=True)
        .first()
    )
    return DEFAULT_RETENTION_DAYS if days is None else int(days)


def retention_by_organization(organization_ids: Any) -> dict[Any, int]:
    """Days per organization for many at once (the default where none was set)."""
    ids = list(organization_ids)
    days = dict(
        RetentionSchedule.objects.filter(organization_id__in=ids).values_list(
            "organization_id", "days_after_closure"
        )
    )
    return {org_id: int(days.get(org_id, DEFAULT_RETENTION_DAYS)) for org_id in ids}


def retention_organizations(user: Any) -> list[Organization]:
    """The organizations whose schedule `user` sets (SET_RETENTION), by name."""
    if not getattr(user, "is_authenticated", False):
        return []
    mine = Organization.objects.filter(memberships__user=user).distinct().order_by("name")
    return [org for org in mine if policy.may_set_retention(user, org.pk)]


def retention_schedule_of(organization_id: Any) -> RetentionSchedule | None:
    return (
        RetentionSchedule.objects.filter(organization_id=organization_id)
        .select_related("updated_by")
        .first()
    )


# --- Legal holds ----------------------------------------------------------------------


def holds_in_force(today: date) -> Q:
    """Legal holds that stop a purge on `today`: not released, and `until` not passed."""
    return Q(released_at__isnull=True, until__gte=today)


def case_is_held(case: Case, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return LegalHold.objects.filter(holds_in_force(today), case=case).exists()


def held_cases(today: date) -> Exists:
    """For a `Case` query: the case has a legal hold in force."""
    return Exists(LegalHold.objects.filter(holds_in_force(today), case=OuterRef("pk")))


def legal_organizations(user: Any) -> list[Organization]:
    """The organizations whose legal records `user` keeps, by name."""
    return list(Organization.objects.filter(pk__in=policy.legal_org_ids(user)).order_by("name"))


def holds_for(user: Any) -> QuerySet[LegalHold]:
    """The legal holds on the cases of the organizations whose legal records `user` keeps,
    newest first."""
    return (
        LegalHold.objects.filter(case__organization_id__in=policy.legal_org_ids(user))
        .select_related("case", "case__organization", "placed_by", "released_by")
        .order_by("-placed_at", "-id")
    )


def holds_of_case(case: Case) -> QuerySet[LegalHold]:
    return case.legal_holds.select_related("placed_by", "released_by").order_by("-placed_at")


def hold_for_keeper(user: Any, hold_id: Any) -> LegalHold:
    """One hold the user keeps, or `NotFound`."""
    try:
        return holds_for(user).get(pk=int(hold_id))
    except (LegalHold.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFound from exc


def case_for_legal(user: Any, case_id: Any) -> Case:
    """A case whose legal records `user` keeps (by id), or `NotFound`."""
    try:
        case = Case.objects.filter(pk=case_id).select_related("organization").first()
    except (ValueError, TypeError):
        case = None
    if case is None or not policy.may_keep_legal_records(user, case.organization_id):
        raise NotFound
    return case


def case_by_number(user: Any, number: str, organization_id: Any = None) -> Case | None:
    """The case with this number in an organization whose legal records `user` keeps (in
    `organization_id` if given), or None. Nothing personal is read."""
    org_ids = policy.legal_org_ids(user)
    if organization_id is not None:
        org_ids = org_ids & {organization_id}
    number = (number or "").strip()
    if not number or not org_ids:
        return None
    found = list(
        Case.objects.filter(organization_id__in=org_ids, number__iexact=number).select_related(
            "organization"
        )[:2]
    )
    return found[0] if len(found) == 1 else None


# --- Compelled disclosure -------------------------------------------------------------


def compelled_for(user: Any) -> QuerySet[CompelledDisclosure]:
    return (
        CompelledDisclosure.objects.filter(case__organization_id__in=policy.legal_org_ids(user))
        .select_related("case", "case__organization", "recorded_by", "released_by")
        .order_by("-recorded_at", "-id")
    )


def compelled_for_keeper(user: Any, disclosure_id: Any) -> CompelledDisclosure:
    try:
        return compelled_for(user).get(pk=int(disclosure_id))
    except (CompelledDisclosure.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFound from exc


def release_blockers(disclosure: CompelledDisclosure) -> list[str]:
    """What is still missing before a release may be built (codes, in order):
    "released" (it already was), "purged" (the case's personal data was destroyed),
    "review" (no legal review recorded), "notice" (the person was neither told nor may be)."""
    blockers = []
    if disclosure.released_at is not None:
        blockers.append("released")
    if disclosure.case.purged_at is not None:
        blockers.append("purged")
    if not (disclosure.legal_review and disclosure.reviewed_on):
        blockers.append("review")
    if not disclosure.notification_forbidden and not (
        disclosure.notified_on and disclosure.notified_how
    ):
        blockers.append("notice")
    return blockers


# --- Child-welfare report duty --------------------------------------------------------


def _age_on_identification(case: Case) -> int | None:
    """The person's age when identified (or when the case opened), from the birth year; None
    if the birth year is not known or no longer readable."""
    try:
        birth_year = cipher_for(case).open(case.birth_year_sealed)
    except CaseKeyDestroyed:
        return None
    if not birth_year:
        return None
    return vocab.age_at(int(birth_year), case.identified_on or case.opened_on)


def is_minor(case: Case) -> bool:
    """Under 18 when identified: from the birth year, or else from the age band."""
    age = _age_on_identification(case)
    if age is not None:
        return age < ADULT_AGE
    return case.age_band in MINOR_AGE_BANDS


def child_report_due(case: Case) -> bool:
    """Whether the mandatory report to child welfare is still owed: the person was a minor,
    trafficking is Possible or Actual, and no report (date and agency) is recorded.

    Opening the birth year is not a disclosure: only this yes/no leaves the function."""
    if case.purged_at is not None or case.trafficking_status not in CHILD_REPORT_STATUSES:
        return False
    if case.child_report_on and case.child_report_agency:
        return False
    return is_minor(case)
