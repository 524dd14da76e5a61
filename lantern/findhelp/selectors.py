"""Reads for help requests, all through the one policy in `help_policy.py`."""

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from lantern.accounts.models import Organization
from lantern.audit.services import audit_record
from lantern.consent.models import Category
from lantern.consent.selectors import consent_allows
from lantern.core.errors import NotFound
from lantern.findhelp import policy as help_policy
from lantern.findhelp.models import HelpRequest, HelpRequestStatus

OPEN_STATUSES = (HelpRequestStatus.NEW, HelpRequestStatus.CLAIMED)


def help_request_recipient() -> Organization | None:
    """The organization that receives survivors' help requests, or None when none does.

    A coalition normally has one (its hotline or advocate organization); with several, the
    oldest one takes them, so the answer never changes from one request to the next.
    """
    return Organization.objects.filter(takes_help_requests=True).order_by("created", "pk").first()


def help_requests_open() -> bool:
    return Organization.objects.filter(takes_help_requests=True).exists()


def help_requests_visible_to(user: Any) -> QuerySet[HelpRequest]:
    rule = help_policy.visibility(user)
    if rule is None:
        return HelpRequest.objects.none()
    return HelpRequest.objects.filter(rule).select_related("service", "claimed_by")


def help_requests_open_for(user: Any, *, limit: int = 100) -> list[HelpRequest]:
    """The new and claimed requests `user` may see, oldest first (the longest waiting)."""
    return list(
        help_requests_visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .order_by("created", "id")[:limit]
    )


def help_request_for_user(user: Any, help_request_id: Any) -> HelpRequest:
    """The help request if `user` may see it; NotFound alike for missing and not allowed."""
    try:
        return help_requests_visible_to(user).select_related("consent").get(pk=help_request_id)
    except (HelpRequest.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise NotFound from exc


@dataclass(frozen=True)
class HelpRequestPersonal:
    needs: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, str] = field(default_factory=dict)
    name: str = ""
    # Contact details or a name were given, but the consent no longer covers them.
    hidden: bool = False


def help_request_personal(user: Any, help_request: HelpRequest) -> HelpRequestPersonal:
    """What personal data of this request `user` may read now, recorded as a read.

    The answers are shown to the receiving advocates until the purge (the person sent them
    to be helped). The contact details and the name are shown only while the person's
    consent covers them for this organization. Every read that returns personal data leaves
    an audit event naming what was read, never the values.
    """
    if not help_policy.may_act(user, help_request):
        return HelpRequestPersonal()
    recipient = help_request.organization_id
    contact: dict[str, str] = {}
    name = ""
    hidden = False
    if help_request.contact:
        if consent_allows(help_request.consent, recipient_id=recipient, category=Category.CONTACT):
            contact = json.loads(help_request.contact)
        else:
            hidden = True
    if help_request.name:
        if consent_allows(help_request.consent, recipient_id=recipient, category=Category.NAME):
            name = help_request.name
        else:
            hidden = True
    needs = json.loads(help_request.needs) if help_request.needs else {}
    read = [
        label for label, value in (("contact", contact), ("name", name), ("needs", needs)) if value
    ]
    if read:
        audit_record(
            actor=user,
            action="help_request.read_personal",
            object_type="help_request",
            object_id=help_request.pk,
            detail={"read": read},
        )
    return HelpRequestPersonal(needs=needs, contact=contact, name=name, hidden=hidden)
