"""Find help: load candidates, run the engine, attach each match's HSDS service.

The one entry point for the API (`POST /api/v1/match`), the survivor pages and the advocate
search. Needs are never stored or logged: they describe a person.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from lantern.directory import doccache
from lantern.matching import engine, loader, ranking, reasons

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
    # Beyond the travel radius of a same-night need (`engine.Match.farther_away`).
    farther_away: bool = False

    @property
    def reason_texts(self) -> list[str]:
        """The reasons in plain words, in the active language."""
        return [reasons.reason_text(r, gettext=gettext, ngettext=ngettext) for r in self.reasons]


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


def find_help(
    needs: engine.Needs,
    *,
    user: Any,
    limit: int = DEFAULT_LIMIT,
    now: datetime | None = None,
    order: str = "best",
) -> MatchPage:
    """The best `limit` matches (or the first `limit` in another `ranking.ORDERS` order,
    taken over every eligible service, never a re-sort of the best page)."""
    now = now or timezone.now()
    policy = engine.FreshnessPolicy(settings.LANTERN_FRESHNESS_HOURS)

    def run(candidates: list[engine.Candidate]) -> engine.MatchResult:
        return ranking.match(
            needs,
            candidates,
            now=now,
            freshness=policy,
            limit=limit,
            confidential_step_km=settings.LANTERN_CONFIDENTIAL_DISTANCE_STEP_KM,
            order=order,
            travel_radius_km=float(settings.LANTERN_TRAVEL_RADIUS_KM),
        )

    # On PostgreSQL, SQL ranks and counts and the engine decides over a few dozen
    # candidates (best order only: SQL ranks in that order); otherwise the engine sees
    # every eligible one.
    head = (
        loader.ranked(
            needs,
            user,
            now=now,
            bands=settings.LANTERN_FRESHNESS_HOURS,
            limit=limit,
            travel_radius_km=float(settings.LANTERN_TRAVEL_RADIUS_KM),
        )
        if order == "best"
        else None
    )
    if head is not None:
        found = run(loader.load_candidates(needs, user, entries=head.entries))
        result = engine.MatchResult(total=head.total, matches=found.matches)
    else:
        result = run(loader.load_candidates(needs, user))
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
            farther_away=m.farther_away,
        )
        for m in result.matches
        if m.candidate.service_id in by_id  # else deleted since it was loaded
    ]
    return MatchPage(total=result.total, items=items)
