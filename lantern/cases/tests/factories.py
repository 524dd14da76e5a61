"""Helpers to build cases in tests through the real services (never by hand)."""

from typing import Any

from lantern.accounts.models import Organization, Role, User
from lantern.accounts.services import membership_add
from lantern.cases.models import Case
from lantern.cases.services import case_create
from lantern.testing import UserFactory, World


def member(org: Organization, role: str, email: str) -> User:
    """A person with `role` in `org` (an invitation's end result, through the service)."""
    user = UserFactory(email=email)
    membership_add(user=user, organization=org, role=role, actor=None)
    return user


def supervisor(world: World, org: str = "b") -> User:
    return member(
        getattr(world, f"org_{org}"), Role.CASE_SUPERVISOR, f"supervisor_{org}@example.test"
    )


def case_data(**overrides: Any) -> dict[str, Any]:
    """A synthetic person (fictional alias, 555-01xx number) with HTCDS codes."""
    data: dict[str, Any] = {
        "alias": "Rosa Fictional",
        "contact": "text 555-0142 after 6pm",
        "birth_year": 1999,
        "gender": "Feminine",
        "citizenship": "MX",
        "primary_language": "spa",
        "trafficking_status": "ActualVictimOfTrafficking",
        "types_of_exploitation": ["ForcedLabour"],
        "methods_of_control": ["DebtBondage"],
        "places": [
            {
                "place_type": "Exploitation",
                "country": "US",
                "state": "17",
                "county": "17031",
            }
        ],
    }
    data.update(overrides)
    return data


def open_case(world: World, *, actor: User | None = None, org: str = "b", **overrides: Any) -> Case:
    """A case of org B (by default) opened by provider_b, who is assigned and owns it."""
    actor = actor or world["provider_b"].user
    return case_create(
        actor=actor,
        organization=getattr(world, f"org_{org}"),
        data=case_data(**overrides),
        duplicates_reviewed=True,
    )
