"""Writes for help requests: a survivor's request, an advocate's claim and close, the link
to the referral an advocate made from it, and the purge of what is personal.

Every write runs in one transaction with its audit event. Audit details carry ids and
codes only: never the answers, the contact details or the name.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.models import Role
from lantern.audit.services import audit_record
from lantern.consent.models import Category, Method
from lantern.consent.services import consent_record
from lantern.core.errors import NotFound
from lantern.directory.models import Service, ServiceStatus
from lantern.findhelp import policy as help_policy
from lantern.findhelp.models import ContactMethod, HelpRequest, HelpRequestStatus
from lantern.findhelp.selectors import OPEN_STATUSES, help_request_recipient
from lantern.notify.services import notify_organization_staff
from lantern.referrals.models import Referral
from lantern.referrals.retention import purge_rows

# The person is told that what they send is deleted after this many days; their consent
# ends then too.
HELP_REQUEST_KEEP_DAYS = 14
CONSENT_PURPOSE = "to help me get a place"


class HelpRequestsClosed(Exception):
    """No organization takes help requests (the page then shows the help line)."""


class HelpRequestNotOpen(Exception):
    """The request was already referred or closed (or claimed, for a claim)."""


@dataclass(frozen=True)
class Contact:
    """How the person asked to be reached. `details` is the number or address (empty for
    the help line), `time` a safe time in their words."""

    method: str
    details: str = ""
    time: str = ""


def _link_path(help_request: HelpRequest) -> str:
    return reverse("help_requests:detail", args=[help_request.pk])


@transaction.atomic
def help_request_create(
    *,
    service_id: Any,
    needs: dict[str, Any],
    contact: Contact,
    name: str = "",
    consented: bool,
    now: datetime | None = None,
) -> HelpRequest:
    """A survivor's request (no account, no actor), with their own consent for the
    receiving organization to see the contact details and name they gave.

    Raises HelpRequestsClosed when no organization takes requests, NotFound for an unknown
    service, ValueError when details or a name come without consent (the form asks first).
    """
    now = now or timezone.now()
    organization = help_request_recipient()
    if organization is None:
        raise HelpRequestsClosed
    service = (
        Service.objects.filter(pk=service_id).exclude(status=ServiceStatus.DEFUNCT).first()
        if service_id
        else None
    )
    if service is None:
        raise NotFound
    if contact.method not in ContactMethod.values:
        raise ValueError("unknown contact method")
    # Only what the chosen method needs: "I will call the help line" keeps no details.
    details = (
        {"method": contact.method, "details": contact.details.strip(), "time": contact.time.strip()}
        if contact.method != ContactMethod.HOTLINE
        else {}
    )
    name = name.strip()
    categories = ([Category.CONTACT.value] if details else []) + (
        [Category.NAME.value] if name else []
    )
    if categories and not consented:
        raise ValueError("contact details and a name are kept only with the person's consent")

    help_request = HelpRequest(
        service=service,
        organization=organization,
        needs=json.dumps(needs, sort_keys=True) if needs else "",
        contact=json.dumps(details, sort_keys=True) if details else "",
        contact_method=contact.method,
        name=name,
        created=now,
    )
    if categories:
        help_request.consent = consent_record(
            recipient=organization,
            granted_by_organization=organization,
            categories=categories,
            purpose=CONSENT_PURPOSE,
            method=Method.WRITTEN,
            expires_at=now + timedelta(days=HELP_REQUEST_KEEP_DAYS),
            actor=None,
            subject_type="help_request",
            subject_id=str(help_request.pk),
            self_attested=True,
        )
    help_request.save()
    audit_record(
        actor=None,
        actor_label="survivor",
        action="help_request.create",
        object_type="help_request",
        object_id=help_request.pk,
        detail={
            "service": str(service.pk),
            "organization": str(organization.pk),
            "contact_method": contact.method,
            "consent": str(help_request.consent_id) if help_request.consent_id else None,
        },
    )
    notify_organization_staff(
        organization=organization,
        roles=[Role.ADVOCATE],
        kind="referral_new",
        link_path=_link_path(help_request),
    )
    return help_request


def _locked(help_request: HelpRequest, actor: Any) -> HelpRequest:
    locked = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if not help_policy.may_act(actor, locked):
        raise NotFound
    return locked


def _audit(actor: Any, action: str, help_request: HelpRequest, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=f"help_request.{action}",
        object_type="help_request",
        object_id=help_request.pk,
        detail=detail,
    )


@transaction.atomic
def help_request_claim(
    *, help_request: HelpRequest, actor: Any, now: datetime | None = None
) -> HelpRequest:
    """An advocate takes the request on, so the others know someone has it."""
    locked = _locked(help_request, actor)
    if locked.status != HelpRequestStatus.NEW:
        raise HelpRequestNotOpen
    locked.status = HelpRequestStatus.CLAIMED
    locked.claimed_by = actor
    locked.claimed_at = now or timezone.now()
    locked.save(update_fields=["status", "claimed_by", "claimed_at"])
    _audit(actor, "claim", locked)
    return locked


@transaction.atomic
def help_request_close(
    *, help_request: HelpRequest, actor: Any, now: datetime | None = None
) -> HelpRequest:
    """Close a request that will not become a referral (the person was helped another way,
    could not be reached, or asked to stop)."""
    locked = _locked(help_request, actor)
    if locked.status not in OPEN_STATUSES:
        raise HelpRequestNotOpen
    previous = locked.status
    locked.status = HelpRequestStatus.CLOSED
    locked.closed_at = now or timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    _audit(actor, "close", locked, **{"from": previous})
    return locked


@transaction.atomic
def help_request_link(
    *, help_request: HelpRequest, referral: Referral, actor: Any, now: datetime | None = None
) -> HelpRequest:
    """The advocate made `referral` from this request: mark it referred and link the two.

    The referral must come from the organization the request was sent to. The request is
    done with from here on (closed for the purge); the referral carries what it needs.
    """
    locked = _locked(help_request, actor)
    if locked.status not in OPEN_STATUSES:
        raise HelpRequestNotOpen
    if referral.referring_organization_id != locked.organization_id:
        raise ValueError("the referral must come from the organization the request was sent to")
    previous = locked.status
    locked.status = HelpRequestStatus.REFERRED
    locked.referral = referral
    locked.closed_at = now or timezone.now()
    if locked.claimed_by_id is None:
        locked.claimed_by, locked.claimed_at = actor, locked.closed_at
    locked.save(update_fields=["status", "referral", "closed_at", "claimed_by", "claimed_at"])
    _audit(actor, "refer", locked, referral=str(referral.pk), **{"from": previous})
    return locked


@transaction.atomic
def help_requests_purge(*, now: datetime | None = None) -> int:
    """Empty the answers, contact details and names of requests made HELP_REQUEST_KEEP_DAYS
    ago, or closed (or referred) LANTERN_REFERRAL_RETENTION_DAYS ago, whichever comes
    first. The rest (service, organization, status, times) has no personal data and stays.
    Safe to run often and concurrently (SKIP LOCKED)."""
    now = now or timezone.now()
    made_before = now - timedelta(days=HELP_REQUEST_KEEP_DAYS)
    closed_before = now - timedelta(days=settings.LANTERN_REFERRAL_RETENTION_DAYS)
    return purge_rows(
        HelpRequest.objects.filter(
            Q(created__lte=made_before) | Q(closed_at__lte=closed_before), purged_at__isnull=True
        ),
        values={"needs": "", "contact": "", "name": "", "purged_at": now},
        action="help_request.purge",
        object_type="help_request",
    )
