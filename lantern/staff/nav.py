"""The staff navigation: every staff page's bar, and the cards of the home page.

One entry per place a role works, in the order a person meets them. Each says who may use
it with a predicate over the user, built from the domains' own policies (`may_refer`,
capabilities ...), so the bar shows what a role may use and nothing else, and a new domain
adds its pages here with the policy that already guards them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lantern.accounts.roles import Capability
from lantern.accounts.selectors import has_capability, managed_organizations
from lantern.cases import policy as case_policy
from lantern.cases import work_policy as case_work_policy
from lantern.directory.policy import may_exchange_hsds
from lantern.directory.selectors import capacities_of_user
from lantern.findhelp import policy as help_policy
from lantern.referrals import policy as referral_policy


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Promise | str
    url_name: str
    allowed: Callable[[Any], bool]

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def _signed_in(user: Any) -> bool:
    return bool(user.is_authenticated)


def _answers_help_requests(user: Any) -> bool:
    return bool(help_policy.advocate_organization_ids(user))


def _answers_referrals(user: Any) -> bool:
    return bool(referral_policy.receiving_organization_ids(user))


def _has_openings(user: Any) -> bool:
    return capacities_of_user(user).exists()


def _manages_people(user: Any) -> bool:
    return has_capability(user, Capability.ADMINISTER_COALITION) or (
        managed_organizations(user).exists()
    )


def _administers(user: Any) -> bool:
    return has_capability(user, Capability.ADMINISTER_COALITION)


ITEMS: tuple[NavItem, ...] = (
    NavItem("home", _("Home"), "staff-home", _signed_in),
    NavItem("help-requests", _("Requests for help"), "help_requests:list", _answers_help_requests),
    NavItem(
        "search",
        _("Search for a place"),
        "matching:advocate-search",
        lambda user: has_capability(user, Capability.ADVOCATE_SEARCH),
    ),
    NavItem("outbox", _("Referrals sent"), "referrals:outbox", referral_policy.may_refer),
    NavItem("inbox", _("Referrals received"), "referrals:inbox", _answers_referrals),
    NavItem("cases", _("Cases"), "cases:list", case_policy.may_open_cases),
    NavItem(
        "supervision", _("Supervision"), "cases:supervision", case_work_policy.may_see_supervision
    ),
    NavItem(
        "case-evaluation",
        _("Program evaluation"),
        "cases:evaluation",
        case_policy.may_evaluate_anywhere,
    ),
    NavItem(
        "case-legal",
        _("Legal holds and orders"),
        "cases:legal",
        case_policy.may_keep_legal_records_anywhere,
    ),
    NavItem(
        "case-retention", _("Retention"), "cases:retention", case_policy.may_set_retention_anywhere
    ),
    NavItem("openings", _("Openings"), "directory:provider-capacities", _has_openings),
    NavItem("organizations", _("Organizations"), "staff-organizations", _administers),
    NavItem("people", _("People"), "accounts:people", _manages_people),
    NavItem("metrics", _("Metrics"), "referrals:metrics", referral_policy.may_see_metrics),
    NavItem("admin", _("Administration"), "admin:index", _administers),
    NavItem("hsds", _("Directory import and export"), "directory:hsds", may_exchange_hsds),
    NavItem("tokens", _("API tokens"), "accounts:tokens", _signed_in),
    NavItem("api-docs", _("API reference"), "api-docs", _signed_in),
)


def items_for(user: Any) -> list[NavItem]:
    """The entries `user` may use, in order (none for a visitor who is not signed in)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [item for item in ITEMS if item.allowed(user)]
