"""Helpers to build referrals in tests through the real service (never by hand)."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from lantern.referrals.models import Referral
from lantern.referrals.services import ConsentInput, referral_create
from lantern.testing import World

SHARED = {"name": "Rosa (alias)", "contact": "text 555-0142 after 6pm"}


def consent_for(categories: list[str] | None = None, days: int = 30) -> ConsentInput:
    return ConsentInput(
        categories=categories or ["name", "contact"],
        purpose="referral to services",
        method="verbal_recorded",
        expires_at=timezone.now() + timedelta(days=days),
    )


def send(world: World, *, hold: bool = False, shared: bool = False, **kwargs: Any) -> Referral:
    """advocate_a (org A) refers to Shelter B's public service."""
    return referral_create(
        actor=world["advocate_a"].user,
        service_id=kwargs.pop("service_id", world.b_public.service_id),
        needs=kwargs.pop("needs", {"age": 24, "help_types": ["emergency-shelter"]}),
        shared=SHARED if shared else {},
        consent=consent_for() if shared else kwargs.pop("consent", None),
        hold=hold,
        **kwargs,
    )
