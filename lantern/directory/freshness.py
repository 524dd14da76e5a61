"""How old a capacity figure is, and what may be said about it.

Stale capacity is presented as unknown, never as open: a bed that was free yesterday
morning is not a bed tonight.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings

FRESH, AGING, STALE = "fresh", "aging", "stale"
OPEN, FULL, UNKNOWN = "open", "full", "unknown"


def bands_for(service_type_codes: Iterable[str]) -> tuple[timedelta, timedelta]:
    """The strictest band among the service's types (a shelter that is also a hotline ages
    like a hotline). A type without its own entry has the default band."""
    table = settings.LANTERN_FRESHNESS_HOURS
    default = table["default"]
    bands = [table.get(code, default) for code in service_type_codes] or [default]
    fresh_h = min(band[0] for band in bands)
    stale_h = min(band[1] for band in bands)
    return timedelta(hours=fresh_h), timedelta(hours=stale_h)


def freshness(updated: datetime, now: datetime, service_type_codes: Iterable[str] = ()) -> str:
    fresh_limit, stale_limit = bands_for(service_type_codes)
    age = now - updated
    if age < fresh_limit:
        return FRESH
    if age <= stale_limit:
        return AGING
    return STALE


def availability_status(available: int, freshness_band: str) -> str:
    if freshness_band == STALE:
        return UNKNOWN
    return OPEN if available > 0 else FULL
