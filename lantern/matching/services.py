"""Find help: load candidates, run the engine, attach each match's HSDS service.

The one entry point for the API (`POST /api/v1/match`), the survivor pages and the advocate
search. Needs are never stored or logged: they describe a person.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from lantern.directory import doccache
from lantern.matching import engine, loader

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class MatchItem:
    service: dict[
        str, Any
    ]  # the HSDS service with its Lantern attributes, as the viewer may see it
    score: float
    reasons: tuple[engine.Reason, ...]
    distance_km: float | None  # None for virtual services; rounded for a hidden confidential one
    availability: engine.Availability
    eligibility: dict[str, Any]
    # The viewer may not see where this service is (a confidential location outside their
    # organization): show the area and a safe way to reach it, never an address.
    confidential: bool

    @property
    def reason_texts(self) -> list[str]:
        """The reasons in plain words, in the active language."""
        return [engine.reason_text(r, gettext=gettext, ngettext=ngettext) for r in self.reasons]


@dataclass(frozen=True)
class MatchPage:
    total: int
    items: list[MatchItem]


def eligibility_of(candidate: engine.Candidate) -> dict[str, Any]:
    """The declared rules of a service; None where it declares nothing."""

    def listed(values: frozenset[str] | None) -> list[str] | None:
        return None if values is None else sorted(values)

    return {
        "minimum_age": candidate.minimum_age,
        "maximum_age": candidate.maximum_age,
        "genders_served": listed(candidate.genders_served),
        "accepts_children": candidate.accepts_children,
        "max_children": candidate.max_children,
        "accepts_pets": candidate.accepts_pets,
        "trafficking_types_served": listed(candidate.trafficking_types_served),
        "wheelchair_accessible": candidate.wheelchair_accessible,
        "accepts_active_substance_use": candidate.accepts_active_substance_use,
        "requires_id_documents": candidate.requires_id_documents,
        "languages": sorted(candidate.languages) or None,
        "service_types": sorted(candidate.service_types) or None,
    }


def _head(
    needs: engine.Needs,
    user: Any,
    now: datetime,
    run: Callable[[list[engine.Candidate]], engine.MatchResult],
    limit: int,
) -> engine.MatchResult | None:
    """The best `limit` matches from the head alone, when that is provably the same answer.

    Open places (fresh or aging) rank before everything else, and every service with an open
    place that is not yet stale has one updated within the longest stale band. So when the
    services with such a place (the head) give `limit` matches that are all open, those are
    the overall best; the total is counted without building candidates
    (`loader.exact_total`: the SQL rules, and distances to the viewer's points).
    Broad searches over a large directory load the open services instead of all.
    """
    if limit == 0:
        return None
    total = loader.exact_total(needs, user)
    if total is None or total <= loader.HEAD_THRESHOLD:
        return None
    longest = max(band[1] for band in settings.LANTERN_FRESHNESS_HOURS.values())
    head = run(loader.load_candidates(needs, user, open_since=now - timedelta(hours=longest)))
    if len(head.matches) < limit or any(m.availability.bucket > 1 for m in head.matches):
        return None
    return engine.MatchResult(total=total, matches=head.matches)


def find_help(
    needs: engine.Needs, *, user: Any, limit: int = DEFAULT_LIMIT, now: datetime | None = None
) -> MatchPage:
    now = now or timezone.now()
    policy = engine.FreshnessPolicy(settings.LANTERN_FRESHNESS_HOURS)

    def run(candidates: list[engine.Candidate]) -> engine.MatchResult:
        return engine.match(
            needs,
            candidates,
            now=now,
            freshness=policy,
            limit=limit,
            confidential_step_km=settings.LANTERN_CONFIDENTIAL_DISTANCE_STEP_KM,
        )

    result = _head(needs, user, now, run, limit) or run(loader.load_candidates(needs, user))
    docs = doccache.render_services([m.candidate.service_id for m in result.matches], user)
    by_id = {doc["id"]: doc for doc in docs}
    items = [
        MatchItem(
            service=by_id[m.candidate.service_id],
            score=m.score,
            reasons=m.reasons,
            distance_km=m.distance_km,
            availability=m.availability,
            eligibility=eligibility_of(m.candidate),
            confidential=m.candidate.confidential,
        )
        for m in result.matches
        if m.candidate.service_id in by_id  # else deleted since it was loaded
    ]
    return MatchPage(total=result.total, items=items)
