"""The referral state machine, as data: which transitions exist and which side makes them.

Only the transitions listed here are allowed. The receiving organization answers
(viewed, accepted, declined, waitlisted, intake); the referring organization may withdraw
while the referral is open; the system expires referrals nobody answered.
"""

from lantern.referrals.models import Status

RECEIVER, REFERRER, SYSTEM = "receiver", "referrer", "system"

TRANSITIONS: dict[str, dict[str, str]] = {
    Status.SENT: {
        Status.VIEWED: RECEIVER,
        Status.WITHDRAWN: REFERRER,
        Status.EXPIRED: SYSTEM,
    },
    Status.VIEWED: {
        Status.ACCEPTED: RECEIVER,
        Status.DECLINED: RECEIVER,
        Status.WAITLISTED: RECEIVER,
        Status.WITHDRAWN: REFERRER,
        Status.EXPIRED: SYSTEM,
    },
    Status.WAITLISTED: {
        Status.ACCEPTED: RECEIVER,
        Status.DECLINED: RECEIVER,
        Status.WITHDRAWN: REFERRER,
    },
    Status.ACCEPTED: {
        Status.INTAKE_SCHEDULED: RECEIVER,
        Status.WITHDRAWN: REFERRER,
    },
    Status.INTAKE_SCHEDULED: {
        Status.INTAKE_SCHEDULED: RECEIVER,  # rescheduled
        Status.INTAKE_COMPLETED: RECEIVER,
        Status.NO_SHOW: RECEIVER,
        Status.WITHDRAWN: REFERRER,
    },
}

FINAL = frozenset(
    {
        Status.DECLINED,
        Status.INTAKE_COMPLETED,
        Status.NO_SHOW,
        Status.WITHDRAWN,
        Status.EXPIRED,
    }
)
OPEN = frozenset(Status.values) - FINAL
# A first answer from the provider (for "time to first response").
RESPONSES = frozenset({Status.ACCEPTED, Status.DECLINED, Status.WAITLISTED})
# The hold is given back on these; on ACCEPTED it is kept.
RELEASES_HOLD = frozenset(
    {Status.DECLINED, Status.WAITLISTED, Status.WITHDRAWN, Status.EXPIRED, Status.NO_SHOW}
)
# A place kept on acceptance goes back when the person does not come after all.
RETURNS_KEPT = frozenset({Status.NO_SHOW, Status.WITHDRAWN})
# Still waiting for the provider's first answer: these expire and escalate.
UNANSWERED = frozenset({Status.SENT, Status.VIEWED})


def side_for(current: str, target: str) -> str | None:
    """Who may move a referral from `current` to `target`, or None if it is not allowed."""
    return TRANSITIONS.get(current, {}).get(target)


def receiver_path(current: str, target: str) -> list[str] | None:
    """The receiver's steps from `current` to `target`: an answer given to a referral not
    yet opened passes through VIEWED first (answering implies having seen it)."""
    if side_for(current, target) == RECEIVER:
        return [target]
    if current == Status.SENT and side_for(Status.VIEWED, target) == RECEIVER:
        return [Status.VIEWED, target]
    return None


def next_for(current: str, sides: set[str]) -> list[str]:
    """The statuses a user acting for `sides` may move a referral to from `current`."""
    allowed: list[str] = []
    for target in Status.values:
        as_receiver = "receiver" in sides and receiver_path(current, target) is not None
        as_referrer = "referrer" in sides and side_for(current, target) == REFERRER
        if as_receiver or as_referrer:
            allowed.append(target)
    return allowed
