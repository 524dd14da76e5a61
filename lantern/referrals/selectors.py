"""Reads for referrals, all through the one policy in `policy.py`."""

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from lantern.accounts.models import Organization
from lantern.audit.services import audit_record
from lantern.consent.selectors import consent_allows
from lantern.core.errors import NotFound
from lantern.directory.models import Phone, Service
from lantern.directory.selectors import listed_service
from lantern.referrals import policy, states
from lantern.referrals.models import Referral


def referrals_visible_to(user: Any) -> QuerySet[Referral]:
    rule = policy.visibility(user)
    if rule is None:
        return Referral.objects.none()
    return Referral.objects.filter(rule).select_related(
        "service", "hold", "consent", "referring_organization", "receiving_organization"
    )


def referral_for_user(user: Any, referral_id: Any) -> Referral:
    """The referral if `user` may see it; NotFound alike for missing and not allowed."""
    try:
        return referrals_visible_to(user).get(pk=referral_id)
    except (Referral.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise NotFound from exc


@dataclass(frozen=True)
class PersonalView:
    needs: dict[str, Any]
    shared: dict[str, str]
    note: str


def personal_view(user: Any, referral: Referral) -> PersonalView:
    """What personal data of this referral `user` may read now, recorded as a read.

    Both sides see the needs profile (an opaque referral is exactly that) and the notes.
    The referring side entered the shared items and sees them until the purge; the
    receiving side sees an item only while the consent covers its category for their
    organization, so after expiry or revocation it sees nothing the person shared. Every
    read that returns personal data leaves an audit event naming what was read (never the
    values).
    """
    sides = policy.sides(user, referral)
    if not sides:
        return PersonalView({}, {}, "")
    items: dict[str, str] = json.loads(referral.shared) if referral.shared else {}
    if "referrer" not in sides:
        items = {
            key: value
            for key, value in items.items()
            if consent_allows(
                referral.consent, recipient_id=referral.receiving_organization_id, category=key
            )
        }
    view = PersonalView(
        needs=json.loads(referral.needs) if referral.needs else {},
        shared=items,
        note=referral.note,
    )
    read = sorted(items) + [name for name in ("needs", "note") if getattr(view, name)]
    if read:
        audit_record(
            actor=user,
            action="referral.read_personal",
            object_type="referral",
            object_id=referral.pk,
            detail={"read": read},
        )
    return view


@dataclass(frozen=True)
class ReferralPage:
    total: int
    items: list[Referral]


def referrals_page(
    user: Any,
    *,
    box: str = "all",
    status: str | None = None,
    open_only: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ReferralPage:
    """A page of the referrals `user` may see: "inbox" (received), "outbox" (sent)."""
    queryset = referrals_visible_to(user)
    if box == "inbox":
        queryset = queryset.filter(
            receiving_organization_id__in=policy.receiving_organization_ids(user)
        )
    elif box == "outbox":
        queryset = queryset.filter(
            referring_organization_id__in=policy.referring_organization_ids(user)
        )
    if status:
        queryset = queryset.filter(status=status)
    if open_only is True:
        queryset = queryset.filter(status__in=states.OPEN)
    elif open_only is False:
        queryset = queryset.filter(status__in=states.FINAL)
    total = queryset.count()
    items = list(queryset.order_by("-created", "id")[offset : offset + limit])
    return ReferralPage(total=total, items=items)


def referring_organizations(user: Any) -> list[Organization]:
    """The organizations `user` may send referrals for, by name."""
    return list(
        Organization.objects.filter(pk__in=policy.referring_organization_ids(user)).order_by("name")
    )


def service_to_refer_to(service_id: Any) -> Service:
    """A service that exists and is not defunct, with its capacities and types, or NotFound."""
    return listed_service(service_id, with_capacities=True)


def public_phone(service: Service) -> Phone | None:
    """A number to call a service on that the public directory shows: the service's own,
    else its organization's, else one at a location that is not confidential. A number
    tied to a confidential location (a safe house) is never offered."""
    public = Phone.objects.exclude(number="").exclude(location__confidential=True)
    for phones in (
        public.filter(service=service),
        public.filter(organization_id=service.organization_id),
        public.filter(
            Q(location__service_at_locations__service=service)
            | Q(
                service_at_location__service=service,
                service_at_location__location__confidential=False,
            )
        ),
    ):
        found = phones.order_by("id").first()
        if found is not None:
            return found
    return None
