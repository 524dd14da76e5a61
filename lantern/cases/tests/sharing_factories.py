"""Helpers for the sharing tests: shares and transfers through the real services."""

import time
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from lantern.accounts.models import Organization, Role, User
from lantern.accounts.reauth import REAUTH_SESSION_KEY
from lantern.cases.models import Case, CaseShare, CaseTransfer
from lantern.cases.sharing_services import case_share
from lantern.cases.tests.factories import member
from lantern.cases.transfer import case_transfer
from lantern.referrals.models import Referral
from lantern.referrals.services import ConsentInput, referral_create, referral_transition
from lantern.testing import World

# Values of the synthetic person (factories.case_data) that tests look for in answers.
ALIAS = "Rosa Fictional"
CONTACT = "555-0142"
COUNTY = "17031"
NOTE_TEXT = "Prefers the blue door entrance"


def share(
    world: World,
    case: Case,
    *,
    groups: list[str] | None = None,
    to: Organization | None = None,
    actor: User | None = None,
    days: int = 30,
    may_add_notes: bool = False,
) -> CaseShare:
    return case_share(
        actor=actor or world["provider_b"].user,
        case=case,
        recipient=to or world.org_c,
        groups=groups or ["identity"],
        purpose="continuing services",
        method="written",
        expires_at=timezone.now() + timedelta(days=days),
        may_add_notes=may_add_notes,
    )


def supervisor_c(world: World) -> User:
    return member(world.org_c, Role.CASE_SUPERVISOR, "supervisor_c@example.test")


def transfer(
    world: World,
    case: Case,
    *,
    groups: list[str] | None = None,
    actor: User | None = None,
) -> CaseTransfer:
    return case_transfer(
        actor=actor or world["provider_b"].user,
        case=case,
        recipient=world.org_c,
        groups=groups or ["identity", "contact"],
        purpose="moving to another city",
        method="written",
        expires_at=timezone.now() + timedelta(days=30),
    )


def reauthenticated(client: Client) -> Client:
    """The client's session as if the person had just entered their password and code."""
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    return client


def csrf_post(client: Client, url: str, data: dict[str, Any]) -> Any:
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


ITEMS = {
    "name": "Marisol (alias)",
    "contact": "call 555-0177, mornings",
    "language": "Spanish",
    "safety_notes": "Do not call after 8pm",
    "documents": "Needs her birth certificate",
}


def referral(world: World, *, items: dict[str, str] | None = None, accept: bool = True) -> Referral:
    """advocate_a refers to Shelter B with `items` (all consented); provider_b accepts."""
    items = ITEMS if items is None else items
    made = referral_create(
        actor=world["advocate_a"].user,
        service_id=world.b_public.service_id,
        needs={"age": 24, "help_types": ["emergency-shelter"]},
        shared=items,
        consent=ConsentInput(
            categories=sorted(items),
            purpose="referral to services",
            method="verbal_recorded",
            expires_at=timezone.now() + timedelta(days=30),
        )
        if items
        else None,
        hold=False,
    )
    if accept:
        referral_transition(referral=made, actor=world["provider_b"].user, status="accepted")
    made.refresh_from_db()
    return made
