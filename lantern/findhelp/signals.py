"""Help requests ride on the referrals tick: their purge runs with it."""

from datetime import datetime
from typing import Any


def _purge_on_tick(sender: Any, *, now: datetime, **kwargs: Any) -> dict[str, int]:
    from lantern.findhelp.services import help_requests_purge

    return {"help_requests_purged": help_requests_purge(now=now)}


def connect() -> None:
    from lantern.referrals.services import ticked

    ticked.connect(_purge_on_tick, weak=False, dispatch_uid="findhelp-purge-on-tick")
