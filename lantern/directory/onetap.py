"""Signed one-tap capacity links for SMS and email reminders.

A link names one capacity, expires, and each action on it (+1, -1, full, set, confirm)
works once: a forwarded or replayed link cannot drain or inflate a count. Opening the link
(GET) changes nothing, so mail scanners that prefetch links are harmless.
"""

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from lantern.directory.models import OneTapUse, ServiceCapacity
from lantern.directory.services import capacity_set

SALT = "lantern.directory.one-tap"
ACTIONS = ("plus", "minus", "full", "set", "confirm")


class LinkInvalid(Exception):
    """Bad signature, expired, or an unknown capacity: all look the same to the visitor."""


class ActionAlreadyUsed(Exception):
    pass


@dataclass(frozen=True)
class OneTapLink:
    capacity_id: str
    link_id: str


def one_tap_token(capacity: ServiceCapacity) -> str:
    payload = {"c": str(capacity.pk), "n": secrets.token_urlsafe(12)}
    return signing.dumps(payload, salt=SALT, compress=True)


def one_tap_url(capacity: ServiceCapacity) -> str:
    path = reverse("directory:one-tap", kwargs={"token": one_tap_token(capacity)})
    return f"{settings.SITE_URL}{path}"


def one_tap_read(token: str) -> OneTapLink:
    max_age = settings.LANTERN_ONE_TAP_LINK_HOURS * 3600
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature as exc:  # SignatureExpired is a subclass
        raise LinkInvalid from exc
    if not isinstance(payload, dict) or "c" not in payload or "n" not in payload:
        raise LinkInvalid
    return OneTapLink(capacity_id=str(payload["c"]), link_id=str(payload["n"]))


def one_tap_capacity(link: OneTapLink) -> ServiceCapacity:
    capacity = (
        ServiceCapacity.objects.select_related("service", "unit")
        .prefetch_related("service__service_types")
        .filter(pk=link.capacity_id)
        .first()
    )
    if capacity is None:
        raise LinkInvalid
    return capacity


def used_actions(link: OneTapLink) -> set[str]:
    return set(OneTapUse.objects.filter(link_id=link.link_id).values_list("action", flat=True))


@transaction.atomic
def one_tap_apply(*, link: OneTapLink, action: str, value: int | None = None) -> Any:
    if action not in ACTIONS:
        raise ValueError("action: unknown action")
    capacity = one_tap_capacity(link)
    try:
        with transaction.atomic():
            OneTapUse.objects.create(link_id=link.link_id, action=action)
    except IntegrityError as exc:
        raise ActionAlreadyUsed from exc
    kwargs: dict[str, Any] = {}
    if action == "plus":
        kwargs["delta"] = 1
    elif action == "minus":
        kwargs["delta"] = -1
    elif action == "full":
        kwargs["available"] = 0
    elif action == "set":
        if value is None:
            raise ValueError("available: a number is required")
        kwargs["available"] = value
    return capacity_set(
        capacity=capacity, actor=None, via="one-tap", check_permission=False, **kwargs
    ).capacity
