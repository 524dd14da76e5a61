"""The roles: a registry that later domains extend.

Each role is one `register(...)` line: its code (stored on memberships), its translated
label and its capabilities. Policies ask for a capability (`selectors.has_capability`,
`selectors.organization_ids_with`), not for a list of roles, so adding a role (caseworker,
supervisor, hotline, trainer, intelligence reviewer ...) is one line here plus the policy
rows of whatever new capability it brings.

Being a member of an organization, in any role, is what lets a person see that
organization's own confidential locations and change its capacities (`directory.policy`);
capabilities are what a role may do beyond that.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Capability(StrEnum):
    REFER = "refer"  # send referrals (and hold places) for their organization
    ANSWER_REFERRALS = "answer_referrals"  # the receiving side of a referral
    ANSWER_HELP_REQUESTS = "answer_help_requests"  # survivors' "ask an advocate" requests
    ADVOCATE_SEARCH = "advocate_search"  # the advocate search with every filter and a map
    REVOKE_CONSENT = "revoke_consent"  # withdraw consent their organization recorded
    VIEW_METRICS = "view_metrics"  # coalition-wide aggregates
    MANAGE_MEMBERS = "manage_members"  # invite, confirm and remove their organization's people
    ADMINISTER_COALITION = "administer_coalition"  # Django's admin; onboarding organizations
    KEEP_CASES = "keep_cases"  # open case records and work on the ones assigned to them
    SUPERVISE_CASES = "supervise_cases"  # every case of their organization; approvals, handover
    KEEP_LEGAL_RECORDS = "keep_legal_records"  # legal holds and compelled-disclosure records
    SET_RETENTION = "set_retention"  # their organization's case retention schedule


@dataclass(frozen=True)
class RoleSpec:
    code: str
    label: Promise | str
    capabilities: frozenset[Capability]
    # Whether an invitation may grant it. Coalition admins are appointed by the operator
    # (`lantern invite` on the server), never through a page.
    invitable: bool = True


REGISTRY: dict[str, RoleSpec] = {}


def register(
    code: str, label: Promise | str, *capabilities: Capability, invitable: bool = True
) -> str:
    if code in REGISTRY:
        raise ValueError(f"role: {code!r} is registered twice")
    if len(code) > 32:
        raise ValueError(f"role: {code!r} is longer than 32 characters")
    REGISTRY[code] = RoleSpec(code, label, frozenset(capabilities), invitable)
    return code


def role_choices() -> list[tuple[str, Promise | str]]:
    """Choices for a role field (a callable, so a new role needs no migration)."""
    return [(spec.code, spec.label) for spec in REGISTRY.values()]


def roles_with(capability: Capability) -> tuple[str, ...]:
    return tuple(spec.code for spec in REGISTRY.values() if capability in spec.capabilities)


def role_label(code: str) -> str:
    spec = REGISTRY.get(code)
    return str(spec.label) if spec else code


C = Capability


class Role:
    """The role codes, for code that names one (`Role.ADVOCATE`)."""

    PROVIDER_STAFF = register(
        "provider_staff",
        _("Provider staff"),
        C.REFER,
        C.ANSWER_REFERRALS,
        C.ADVOCATE_SEARCH,
        C.KEEP_CASES,
    )
    ADVOCATE = register(
        "advocate",
        _("Advocate"),
        C.REFER,
        C.ANSWER_HELP_REQUESTS,
        C.ADVOCATE_SEARCH,
        C.REVOKE_CONSENT,
        C.KEEP_CASES,
    )
    ORGANIZATION_ADMIN = register(
        "organization_admin",
        _("Organization admin"),
        C.MANAGE_MEMBERS,
        C.KEEP_LEGAL_RECORDS,
        C.SET_RETENTION,
    )
    CASEWORKER = register(
        "caseworker", _("Caseworker"), C.KEEP_CASES, C.REFER, C.ADVOCATE_SEARCH, C.REVOKE_CONSENT
    )
    CASE_SUPERVISOR = register(
        "case_supervisor",
        _("Case supervisor"),
        C.KEEP_CASES,
        C.SUPERVISE_CASES,
        C.KEEP_LEGAL_RECORDS,
        C.REFER,
        C.ADVOCATE_SEARCH,
        C.REVOKE_CONSENT,
    )
    COALITION_ADMIN = register(
        "coalition_admin",
        _("Coalition admin"),
        C.REFER,
        C.ADVOCATE_SEARCH,
        C.REVOKE_CONSENT,
        C.VIEW_METRICS,
        C.ADMINISTER_COALITION,
        invitable=False,
    )
    ANALYST = register("analyst", _("Analyst"), C.VIEW_METRICS)
