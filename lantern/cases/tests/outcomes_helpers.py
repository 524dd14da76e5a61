"""Helpers for the outcomes tests: a share of a case under consent, assessments back in time."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from lantern.accounts.models import Organization, User
from lantern.cases.assessments import assessment_record
from lantern.cases.models import Assessment, Case, CaseShare
from lantern.consent.services import consent_record


def share(case: Case, *, recipient: Organization, actor: User, groups: list[str]) -> CaseShare:
    """`case` shared with `recipient` under a written consent covering `groups` for 30 days
    (the sharing part's service is not on this branch: the rows it would write)."""
    consent = consent_record(
        recipient=recipient,
        granted_by_organization=case.organization,
        categories=groups,
        purpose="continuing support",
        method="written",
        expires_at=timezone.now() + timedelta(days=30),
        actor=actor,
        catalogue="case",
    )
    return CaseShare.objects.create(
        case=case, consent=consent, recipient=recipient, shared_by=actor
    )


def assess(case: Case, actor: User, kind: str, days_ago: int, **scores: Any) -> Assessment:
    return assessment_record(
        actor=actor,
        case=case,
        kind=kind,
        assessed_on=timezone.localdate() - timedelta(days=days_ago),
        scores=scores,
    )
