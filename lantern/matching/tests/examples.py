"""Hand-made examples shared by the engine tests: a fixed now, a freshness table, a place
and small builders."""

import math
from datetime import UTC, datetime, timedelta

from lantern.core.geo import EARTH_RADIUS_KM
from lantern.matching.engine import (
    Candidate,
    Capacity,
    FreshnessPolicy,
    Needs,
)
from lantern.matching.ranking import match
from lantern.matching.rules import excluded_by

NOW = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
TABLE = {"default": (2.0, 8.0), "hotline": (1.0, 4.0), "residential-program": (24.0, 72.0)}
POLICY = FreshnessPolicy(TABLE)
HERE = (40.0, -75.0)
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180


def north(km: float) -> tuple[float, float]:
    """A point `km` due north of HERE."""
    return (HERE[0] + km / KM_PER_DEGREE, HERE[1])


def cap(available: int = 1, minutes: float = 10, unit: str = "bed") -> Capacity:
    return Capacity(
        available=available, maximum=10, unit=unit, updated=NOW - timedelta(minutes=minutes)
    )


def svc(service_id: str = "s1", name: str | None = None, **fields) -> Candidate:
    return Candidate(service_id=service_id, name=name or service_id, **fields)


def located(**fields) -> Needs:
    return Needs(latitude=HERE[0], longitude=HERE[1], **fields)


def run(needs: Needs, *candidates: Candidate, **kwargs):
    return match(needs, candidates, now=NOW, freshness=POLICY, **kwargs)


def ids(result) -> list[str]:
    return [m.candidate.service_id for m in result.matches]


def excluded(needs: Needs, candidate: Candidate) -> str | None:
    return excluded_by(needs, candidate, now=NOW, freshness=POLICY)
