"""One JSON shape for a referral, used by the API (and the pages' live updates)."""

from datetime import datetime
from typing import Any

from lantern.consent.selectors import consent_state
from lantern.referrals import policy, states
from lantern.referrals.models import Referral
from lantern.referrals.selectors import personal_view


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _org(org: Any) -> dict[str, str]:
    return {"id": str(org.pk), "name": org.name}


def referral_summary_json(referral: Referral, user: Any) -> dict[str, Any]:
    """Everything but personal data: safe for lists."""
    hold = getattr(referral, "hold", None)
    return {
        "id": str(referral.pk),
        "code": referral.code,
        "status": referral.status,
        "service_id": str(referral.service_id),
        "service_name": referral.service.name,
        "referring_organization": _org(referral.referring_organization),
        "receiving_organization": _org(referral.receiving_organization),
        "created": _iso(referral.created),
        "viewed_at": _iso(referral.viewed_at),
        "responded_at": _iso(referral.responded_at),
        "accepted_at": _iso(referral.accepted_at),
        "intake_at": _iso(referral.intake_at),
        "closed_at": _iso(referral.closed_at),
        "decline_reason": referral.decline_reason or None,
        "hold": (
            {
                "capacity_id": str(hold.capacity_id),
                "state": hold.state,
                "expires_at": _iso(hold.expires_at),
                # The figure the unit came from: "aging" or "stale" means the advocate
                # confirmed holding on an old figure; null for holds from before this.
                "figure_freshness": hold.figure_band or None,
                "figure_updated": _iso(hold.figure_updated_at),
            }
            if hold is not None
            else None
        ),
        "next": states.next_for(referral.status, policy.sides(user, referral)),
    }


def referral_json(referral: Referral, user: Any) -> dict[str, Any]:
    """The full referral as `user` may see it now (a read of personal data is audited)."""
    body = referral_summary_json(referral, user)
    personal = personal_view(user, referral)
    consent = referral.consent
    body.update(
        {
            "needs": personal.needs,
            "shared": personal.shared,
            "note": personal.note,
            "purged": referral.purged_at is not None,
            "consent": (
                {
                    "id": str(consent.pk),
                    "state": consent_state(consent),
                    "categories": list(consent.categories),
                    "expires_at": _iso(consent.expires_at),
                }
                if consent is not None
                else None
            ),
            "history": [
                {
                    "from": event.from_status or None,
                    "to": event.to_status,
                    "at": _iso(event.at),
                    "reason": event.reason or None,
                }
                for event in referral.events.all()
            ],
        }
    )
    return body
