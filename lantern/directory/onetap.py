"""Signed one-tap capacity links for SMS and email reminders.

A link names one capacity, expires, and each action on it (+1, -1, full, set, confirm)
works once: a forwarded or replayed link cannot drain or inflate a count. Opening the link
(GET) changes nothing, so mail scanners that prefetch links are harmless.

A link sent to a person (a reminder) also names that person, and stops working as soon as
they are deactivated or leave the organization that owns the capacity, without waiting for
the link to expire.
"""

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from lantern.accounts.models import User
from lantern.core.site import site_url
from lantern.directory import policy, selectors
from lantern.directory.models import OneTapUse, ServiceCapacity
from lantern.directory.services import capacity_set

SALT = "lantern.directory.one-tap"


class LinkInvalid(Exception):
    """Bad signature, expired, or an unknown capacity: all look the same to the visitor."""


class ActionAlreadyUsed(Exception):
    pass


@dataclass(frozen=True)
class OneTapLink:
    capacity_id: str
    link_id: str
    recipient_id: str | None = None


def capacity_change(action: str, value: int | None = None) -> dict[str, Any]:
    """The `capacity_set` arguments for one button (the provider page and links share it)."""
    if action == "plus":
        return {"delta": 1}
    if action == "minus":
        return {"delta": -1}
    if action == "full":
        return {"available": 0}
    if action == "set":
        if value is None:
            raise ValueError("available: a number is required")
        return {"available": value}
    if action == "confirm":
        return {}
    raise ValueError(f"action: unknown action {action!r}")


def one_tap_token(capacity: ServiceCapacity, *, recipient: User | None = None) -> str:
    payload = {"c": str(capacity.pk), "n": secrets.token_urlsafe(12)}
    if recipient is not None:
        payload["u"] = str(recipient.pk)
    return signing.dumps(payload, salt=SALT, compress=True)


def one_tap_url(capacity: ServiceCapacity, *, recipient: User | None = None) -> str:
    token = one_tap_token(capacity, recipient=recipient)
    path = reverse("directory:one-tap", kwargs={"token": token})
    return f"{site_url()}{path}"


def one_tap_read(token: str) -> OneTapLink:
    max_age = settings.LANTERN_ONE_TAP_LINK_HOURS * 3600
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature as exc:  # SignatureExpired is a subclass
        raise LinkInvalid from exc
    if not isinstance(payload, dict) or "c" not in payload or "n" not in payload:
        raise LinkInvalid
    recipient = payload.get("u")
    return OneTapLink(
        capacity_id=str(payload["c"]),
        link_id=str(payload["n"]),
        recipient_id=None if recipient is None else str(recipient),
    )


def one_tap_capacity(link: OneTapLink) -> ServiceCapacity:
    capacity = selectors.capacity_get(link.capacity_id)
    if capacity is None:
        raise LinkInvalid
    if link.recipient_id is not None:
        recipient = selectors.active_user(link.recipient_id)
        if recipient is None or not policy.may_update_capacity(recipient, capacity.service):
            raise LinkInvalid
    return capacity


def used_actions(link: OneTapLink) -> set[str]:
    return selectors.one_tap_used_actions(link.link_id)


@transaction.atomic
def one_tap_apply(*, link: OneTapLink, action: str, value: int | None = None) -> Any:
    """Apply one action from a link, once. A refused value (above the maximum) rolls the
    use back with it, so the button still works with a better number."""
    changes = capacity_change(action, value)
    capacity = one_tap_capacity(link)
    try:
        with transaction.atomic():
            OneTapUse.objects.create(link_id=link.link_id, action=action)
    except IntegrityError as exc:
        raise ActionAlreadyUsed from exc
    return capacity_set(
        capacity=capacity, actor=None, via="one-tap", check_permission=False, **changes
    ).capacity
