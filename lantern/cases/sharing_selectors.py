"""Reads for sharing: a case's shares and transfers, who may receive them, who may revoke,
the referrals sent from a case, and a referral a case can be opened from.

Like every selector of the domain, a missing object and one the user may not act on both
raise `NotFound` (a 404 that tells the two apart for nobody).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from lantern.accounts.models import Membership, Organization
from lantern.accounts.roles import Capability, roles_with
from lantern.accounts.selectors import organization_ids_with
from lantern.cases import policy
from lantern.cases.models import Case, CaseReferral, CaseShare, CaseTransfer
from lantern.cases.policy import Reach
from lantern.cases.selectors import case_for_user, reach_for
from lantern.consent.selectors import consent_allows
from lantern.core.errors import NotFound
from lantern.referrals import policy as referral_policy
from lantern.referrals import selectors as referral_selectors
from lantern.referrals.models import Referral, Status

# A case is opened from a referral the receiving organization has taken on.
REFERRAL_STATUSES_FOR_CASE = frozenset(
    {Status.ACCEPTED, Status.INTAKE_SCHEDULED, Status.INTAKE_COMPLETED}
)


def _by_pk(model: Any, pk: Any) -> Any:
    try:
        return model.objects.filter(pk=pk).first()
    except (ValidationError, ValueError, TypeError):
        return None  # not a UUID: it cannot exist


def case_for_sharing(user: Any, case_id: Any) -> tuple[Case, Reach]:
    """A case the user may share, transfer or refer from (own reach, not purged), or 404."""
    case, reach = case_for_user(user, case_id)
    if not policy.may_share(reach, case) or case.merged_into_id is not None:
        raise NotFound
    return case, reach


def case_for_disclosures(user: Any, case_id: Any) -> tuple[Case, Reach]:
    """A case whose disclosure log the user may open: its own organization's people who
    may work on it (assigned caseworkers, supervisors), purged or not; 404 for everyone
    else, a recipient under a share included."""
    case, reach = case_for_user(user, case_id)
    if not reach.own:
        raise NotFound
    return case, reach


def may_revoke_share(user: Any, case: Case) -> bool:
    """The sharing organization's people who withdraw consent (REVOKE_CONSENT), and anyone
    with own reach on the case. Never the recipient."""
    if case.organization_id in organization_ids_with(user, Capability.REVOKE_CONSENT):
        return True
    reach = reach_for(user, case)
    return reach is not None and reach.own


def share_for_revoke(user: Any, case_id: Any, share_id: Any) -> CaseShare:
    case = _by_pk(Case, case_id)
    if case is None or not may_revoke_share(user, case):
        raise NotFound
    share = _by_pk(CaseShare, share_id)
    if share is None or share.case_id != case.pk:
        raise NotFound
    return share


def shares_of(case: Case) -> QuerySet[CaseShare]:
    """Every share of the case, in force or not, newest first."""
    return (
        CaseShare.objects.filter(case=case)
        .select_related("consent", "recipient", "shared_by")
        .order_by("-created", "-pk")
    )


def share_in_force(share: CaseShare) -> bool:
    consent = share.consent
    now = timezone.now()
    return consent.revoked_at is None and consent.created <= now < consent.expires_at


def shares_received(user: Any, case: Case) -> list[CaseShare]:
    """The shares of this case to the user's organizations that are in force now."""
    now = timezone.now()
    return list(
        CaseShare.objects.filter(
            case=case,
            recipient_id__in=policy.caseworker_org_ids(user),
            consent__revoked_at__isnull=True,
            consent__created__lte=now,
            consent__expires_at__gt=now,
        )
        .select_related("consent", "recipient")
        .order_by("consent__expires_at")
    )


def transfers_of(case: Case) -> QuerySet[CaseTransfer]:
    return CaseTransfer.objects.filter(case=case).select_related("recipient", "consent")


def _organizations_with(capability: Capability, exclude_id: Any) -> QuerySet[Organization]:
    members = Membership.objects.filter(
        organization=OuterRef("pk"),
        role__in=roles_with(capability),
        user__is_active=True,
    )
    return Organization.objects.filter(Exists(members)).exclude(pk=exclude_id).order_by("name")


def share_recipients(case: Case) -> QuerySet[Organization]:
    """Organizations a case can be shared with: any other one with people who keep cases
    (only they can see a shared case)."""
    return _organizations_with(Capability.KEEP_CASES, case.organization_id)


def transfer_recipients(case: Case) -> QuerySet[Organization]:
    """Organizations a case can be transferred to: any other one with a case supervisor (a
    transferred case arrives unassigned, and only a supervisor sees it and assigns it)."""
    return _organizations_with(Capability.SUPERVISE_CASES, case.organization_id)


def case_referrals(case: Case) -> list[Referral]:
    """The referrals sent from this case's page, newest first (no personal data read)."""
    links = CaseReferral.objects.filter(case=case).select_related(
        "referral__service", "referral__receiving_organization"
    )
    return [link.referral for link in links.order_by("-created", "-pk")]


def referral_for_case_opening(user: Any, referral_id: Any) -> Referral:
    """A referral the user's organization received and the user may open a case from: they
    answer referrals there and keep cases there. 404 for everyone else."""
    referral = referral_selectors.referral_for_user(user, referral_id)
    if "receiver" not in referral_policy.sides(user, referral):
        raise NotFound
    if referral.receiving_organization_id not in policy.caseworker_org_ids(user):
        raise NotFound
    return referral


def case_of_referral(referral: Referral) -> Case | None:
    return Case.objects.filter(from_referral=referral).first()


def cases_numbered(ids: Any) -> list[Case]:
    return list(Case.objects.filter(pk__in=list(ids)).order_by("number"))


def consented_items(referral: Referral) -> list[str]:
    """The referral's item categories its consent lets the receiving organization see now
    (codes only: no personal value is read)."""
    consent = referral.consent
    if consent is None:
        return []
    return [
        code
        for code in consent.categories
        if consent_allows(consent, recipient_id=referral.receiving_organization_id, category=code)
    ]
