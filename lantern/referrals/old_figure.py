"""Holds against an aging or stale capacity figure: the words for it, and the advocate's
one-time confirmation.

The page shows the figure ("1 bed open, updated 2 days ago") and asks the advocate to call
first or confirm. The confirmation travels as a signed token that names the figure they
were shown and a referral id made up when it was shown. The server never trusts it for
more than that: the service re-reads the figure when the hold is placed and asks again
if it is no longer the one confirmed, and the referral id makes a form sent twice (a
replay, a double click) write nothing the second time.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from django.core import signing
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, ngettext

from lantern.matching.engine import OPEN, Reason
from lantern.matching.reasons import ago_text, reason_text
from lantern.referrals.holds import Figure
from lantern.referrals.models import Hold

# A confirmation older than this is asked again: the advocate confirmed what they saw then.
CONFIRM_MAX_AGE_SECONDS = 15 * 60
_SALT = "lantern.referrals.old-figure"


def _minutes(later: datetime, earlier: datetime) -> int:
    return max(0, int((later - earlier).total_seconds() // 60))


def figure_text(figure: Figure, now: datetime, *, translate: bool = True) -> str:
    """'1 bed open, updated 2 days ago' (in the active language, or English for the API)."""
    reason = Reason(
        OPEN,
        {
            "available": figure.available,
            "unit": figure.unit,
            "minutes": _minutes(now, figure.updated),
        },
    )
    if translate:
        return reason_text(reason, gettext=gettext, ngettext=ngettext)
    return reason_text(reason)


def hold_note(hold: Hold | None) -> str:
    """What both sides see beside a hold placed on an old figure, '' otherwise."""
    if hold is None or not hold.on_old_figure or hold.figure_updated_at is None:
        return ""
    when = ago_text(_minutes(hold.created, hold.figure_updated_at), gettext, ngettext)
    return gettext("Hold placed on a figure updated %(when)s") % {"when": when}


def api_detail(figure: Figure, now: datetime) -> dict[str, Any]:
    """The 409 body of `POST /referrals` for an unconfirmed hold on an old figure."""
    words = figure_text(figure, now, translate=False)
    message = (
        f"the figure this hold relies on ({words}) is {figure.band} and may be out of date: "
        "call the provider first, or send again with confirm_old_figure: true"
    )
    return {
        "detail": [
            {
                "loc": ["body", "confirm_old_figure"],
                "msg": message,
                "type": "old_figure",
                "ctx": {
                    "capacity_id": str(figure.capacity_id),
                    "available": figure.available,
                    "unit": figure.unit,
                    "updated": figure.updated.isoformat(),
                    "freshness": figure.band,
                },
            }
        ]
    }


# --- the page's one-time confirmation ---------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    """A token the server signed for this user and service. `figure` is what was shown,
    or None when the confirmation is too old to count; `referral_id` is the one id the
    referral may be written under, whether or not the confirmation still counts."""

    figure: Figure | None
    referral_id: UUID


def _salt(user: Any, service: Any) -> str:
    # Bound to the user and the service: a token is no use to anyone else or elsewhere.
    return f"{_SALT}:{user.pk}:{service.pk}"


def confirmation_token(
    figure: Figure, *, user: Any, service: Any, referral_id: UUID | None = None
) -> str:
    payload = {
        "c": str(figure.capacity_id),
        "a": figure.available,
        "n": figure.unit,
        "t": figure.updated.isoformat(),
        "b": figure.band,
        "r": str(referral_id or uuid4()),
    }
    return signing.dumps(payload, salt=_salt(user, service), compress=True)


def read_confirmation(token: str, *, user: Any, service: Any) -> Confirmation | None:
    """The confirmation a form carried back, or None when there is none or it is not one
    this server signed for this user and service."""
    if not token:
        return None
    salt = _salt(user, service)
    try:
        payload = signing.loads(token, salt=salt, max_age=CONFIRM_MAX_AGE_SECONDS)
        current = True
    except signing.SignatureExpired:
        payload = signing.loads(token, salt=salt)
        current = False
    except signing.BadSignature:
        return None
    try:
        updated = parse_datetime(payload["t"])
        if updated is None:
            return None
        referral_id = UUID(payload["r"])
        figure = Figure(
            capacity_id=payload["c"],
            available=int(payload["a"]),
            unit=str(payload["n"]),
            updated=updated,
            band=str(payload["b"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return Confirmation(figure=figure if current else None, referral_id=referral_id)
