"""Test helpers of the records part: a share of a case under a consent, as the sharing part
records one (its own service is not on this branch), and the page client."""

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from lantern.cases.models import Case, CaseShare
from lantern.consent.services import consent_record
from lantern.testing import World


def share_case(
    world: World,
    case: Case,
    groups: list[str],
    *,
    org: str = "c",
    days: int = 30,
    may_add_notes: bool = False,
) -> CaseShare:
    """Share `case` with organization `org` for `groups`, under a written consent that
    provider_b (of the case's organization B) attested."""
    recipient = getattr(world, f"org_{org}")
    consent = consent_record(
        recipient=recipient,
        granted_by_organization=case.organization,
        categories=groups,
        purpose="continuing support",
        method="written",
        expires_at=timezone.now() + timedelta(days=days),
        actor=world["provider_b"].user,
        subject_type="case",
        subject_id=str(case.pk),
        catalogue="case",
    )
    return CaseShare.objects.create(
        case=case,
        consent=consent,
        recipient=recipient,
        may_add_notes=may_add_notes,
        shared_by=world["provider_b"].user,
    )


class Pages:
    """A CSRF-enforcing client that posts forms with their token, as a browser does."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, url: str, data: Any = None, **extra: Any) -> Any:
        return self.client.get(url, data, **extra)

    def post(self, url: str, data: dict[str, Any], **extra: Any) -> Any:
        if "csrftoken" not in self.client.cookies:
            self.client.get("/accounts/login/")
        token = self.client.cookies["csrftoken"].value
        return self.client.post(url, {**data, "csrfmiddlewaretoken": token}, **extra)


def pages(user: Any) -> Pages:
    """A signed-in, second-factor-verified page client for any user."""
    from lantern.testing import Persona

    return Pages(Persona("someone", user).client())
