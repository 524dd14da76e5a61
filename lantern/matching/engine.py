"""The matching engine's data: what a person needs (`Needs`), what a service declares
(`Candidate`), freshness, and what a match says (`Match`, `Reason`), with the vocabularies.

The engine is pure functions over this plain data. It reads no database and no settings and
imports nothing from Django, so it can be property-tested and benchmarked on its own; the
loader turns directory rows into `Candidate`s and passes the freshness table in as data.
The engine is four modules:

- `engine` (this one): the types and vocabularies;
- `rules`: eligibility (which services a need excludes) and availability;
- `ranking`: `match`, the order and the score;
- `reasons`: why a service is in the results, and those reasons in words.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Literal

Status = Literal["open", "full", "unknown"]
Band = Literal["fresh", "aging", "stale"]

FRESH: Final = "fresh"
AGING: Final = "aging"
STALE: Final = "stale"
OPEN: Final = "open"
FULL: Final = "full"
UNKNOWN: Final = "unknown"

# The same vocabularies as lantern.directory.profile (a test keeps them equal); copied so the
# engine never imports a module that reads Django settings.
GENDERS = ("woman", "man", "transgender_woman", "transgender_man", "nonbinary")
TRAFFICKING_TYPES = ("sex", "labor")
HELP_TYPES = (
    "emergency-shelter",
    "residential-program",
    "legal",
    "immigration-legal",
    "medical",
    "mental-health",
    "case-management",
    "substance-use",
    "employment-education",
    "basic-needs",
    "hotline",
)

# The exclusion codes `excluded_by` returns, in the order the rules are checked.
EXCLUSION_CODES = (
    "age",
    "gender",
    "children",
    "max_children",
    "pets",
    "trafficking_type",
    "wheelchair",
    "substance_use",
    "id_documents",
    "help_type",
    "max_distance",
    "away_from",
    "not_open",
)


def gettext_noop(message: str) -> str:
    """Mark a string for translation without translating it here: Django's makemessages
    extracts calls by this name, and `reason_text` translates the string when it is used."""
    return message


# Preference tags rank but never exclude. Unknown tags in `Needs.preferences` are ignored.
PREFERENCE_TAGS: Mapping[str, str] = {
    "faith_based": gettext_noop("Run by a faith group"),
    "not_faith_based": gettext_noop("Not run by a faith group"),
    "short_program": gettext_noop("A short program"),
    "long_program": gettext_noop("A longer program"),
    "women_only_staff": gettext_noop("All staff are women"),
    "survivor_led": gettext_noop("Led by survivors"),
    "lgbtq_affirming": gettext_noop("Welcomes LGBTQ+ people"),
}

LANGUAGE_NAMES: Mapping[str, str] = {
    "en": gettext_noop("English"),
    "es": gettext_noop("Spanish"),
    "zh": gettext_noop("Chinese"),
    "vi": gettext_noop("Vietnamese"),
    "tl": gettext_noop("Tagalog"),
    "ar": gettext_noop("Arabic"),
    "fr": gettext_noop("French"),
    "ko": gettext_noop("Korean"),
    "ru": gettext_noop("Russian"),
    "ht": gettext_noop("Haitian Creole"),
    "pt": gettext_noop("Portuguese"),
}


# --- Data in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Needs:
    """What a person says they need. Every field is optional; None means not stated."""

    latitude: float | None = None
    longitude: float | None = None
    max_distance_km: float | None = None
    away_from_km: float | None = None
    help_types: frozenset[str] | None = None
    age: int | None = None
    gender: str | None = None
    children: int | None = None
    pets: bool | None = None
    trafficking_types: frozenset[str] | None = None
    needs_wheelchair_access: bool | None = None
    active_substance_use: bool | None = None
    has_id_documents: bool | None = None
    languages: tuple[str, ...] | None = None
    only_open: bool = False
    preferences: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Accept any iterable for the collections, but keep the dataclass hashable.
        for name in ("help_types", "trafficking_types"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))
        if not isinstance(self.preferences, frozenset):
            object.__setattr__(self, "preferences", frozenset(self.preferences))
        if self.languages is not None and not isinstance(self.languages, tuple):
            object.__setattr__(self, "languages", tuple(self.languages))

        if self.gender is not None and self.gender not in GENDERS:
            raise ValueError(f"gender must be one of {', '.join(GENDERS)}")
        if self.trafficking_types is not None and not self.trafficking_types <= set(
            TRAFFICKING_TYPES
        ):
            raise ValueError(f"trafficking_types must be among {', '.join(TRAFFICKING_TYPES)}")
        for name in ("age", "children", "max_distance_km", "away_from_km"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a number, zero or more")
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            raise ValueError("latitude must be between -90 and 90")
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            raise ValueError("longitude must be between -180 and 180")

    @property
    def point(self) -> tuple[float, float] | None:
        """The person's location, when both coordinates are stated."""
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)


@dataclass(frozen=True)
class Capacity:
    available: int
    maximum: int | None
    unit: str
    updated: datetime  # aware


@dataclass(frozen=True)
class Candidate:
    """One service as loaded from the directory. None means the rule is not declared."""

    service_id: str
    name: str
    service_types: frozenset[str] = frozenset()
    minimum_age: int | None = None
    maximum_age: int | None = None
    genders_served: frozenset[str] | None = None
    accepts_children: bool | None = None
    max_children: int | None = None
    accepts_pets: bool | None = None
    trafficking_types_served: frozenset[str] | None = None
    wheelchair_accessible: bool | None = None
    accepts_active_substance_use: bool | None = None
    requires_id_documents: bool | None = None
    languages: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    capacities: tuple[Capacity, ...] = ()
    # Coordinates of the physical locations; the coarse point for a confidential one.
    points: tuple[tuple[float, float], ...] = ()
    # No physical location (or only virtual ones): no distance, never excluded by distance.
    virtual: bool = False
    # The distance shown is rounded up (see `match`).
    confidential: bool = False


def freshness_bands(
    service_types: Iterable[str], table: Mapping[str, tuple[float, float]]
) -> tuple[timedelta, timedelta]:
    """(fresh below, stale after) for a service: the strictest band among its types (a
    shelter that is also a hotline ages like a hotline), the default band when none is
    configured; a type without its own entry has the default band. The same rule as
    lantern.directory.freshness.bands_for, over plain data."""
    default = table["default"]
    bands = [table.get(code, default) for code in service_types] or [default]
    return (
        timedelta(hours=min(band[0] for band in bands)),
        timedelta(hours=min(band[1] for band in bands)),
    )


def freshness_of(age: timedelta, fresh_below: timedelta, stale_after: timedelta) -> Band:
    if age < fresh_below:
        return FRESH
    if age <= stale_after:
        return AGING
    return STALE


@dataclass(frozen=True)
class FreshnessPolicy:
    """Freshness bands in hours, (fresh_below, stale_after) per service type code, with a
    "default" entry: the caller passes settings.LANTERN_FRESHNESS_HOURS."""

    bands: Mapping[str, tuple[float, float]]

    def __post_init__(self) -> None:
        if "default" not in self.bands:
            raise ValueError('freshness bands need a "default" entry')

    def bands_for(self, service_types: Iterable[str]) -> tuple[timedelta, timedelta]:
        return freshness_bands(service_types, self.bands)


# --- Data out ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """Why a service is in the results: a code and plain parameters, translated by
    `reason_text` (or by the web layer)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Availability:
    """The capacity figure to report. Stale capacity is unknown, never open. `unit` is the
    unit of the reported capacity (an addition to the brief: the reasons need it)."""

    status: Status
    available: int | None
    updated: datetime | None
    freshness: Band | None
    unit: str | None = None

    @property
    def bucket(self) -> int:
        """0 fresh and open, 1 aging and open, 2 anything else."""
        if self.status != OPEN:
            return 2
        return 0 if self.freshness == FRESH else 1


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    score: float
    reasons: tuple[Reason, ...]
    # Exact km, rounded up to the step for a confidential service, None when virtual or
    # when the person gave no location.
    distance_km: float | None
    availability: Availability
    # Beyond the travel radius of a same-night need (see `ranking.radius_applies`): listed
    # after every place within it, and labelled "farther away".
    farther_away: bool = False


@dataclass(frozen=True)
class MatchResult:
    total: int  # how many services are eligible
    matches: tuple[Match, ...]  # the best `limit` of them, best first
