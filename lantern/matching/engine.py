"""The matching engine: which services fit what a person says they need, and in what order.

A pure function over plain data. It reads no database and no settings and imports nothing
from Django, so it can be property-tested and benchmarked on its own; the loader turns
directory rows into `Candidate`s and passes the freshness table in as data.

Eligibility. Every field of `Needs` is optional and every rule of a `Candidate` may be
undeclared (None). A stated need excludes a service only when it conflicts with a declared
rule (see `excluded_by`); an unstated need or an undeclared rule never excludes. Some values
count as "not stated" because they ask for nothing: an empty `help_types` or
`trafficking_types`, `children=0`, `pets=False`, `needs_wheelchair_access=False`,
`active_substance_use=False`, `has_id_documents=True`, and a location with only one of
latitude and longitude. A declared but empty `genders_served` or `trafficking_types_served`
is a declared rule that serves nobody, exactly as the loader's SQL reads it.

Distance. A service is at the distance of its nearest point; for a confidential location the
caller passes the coarse point. The distance filters and the ranking use that distance as
computed (as the loader's SQL does, so its order stays the engine's). Only the distance shown
(`Match.distance_km` and the reason) is rounded up to the next `confidential_step_km` for
confidential services, so a shelter 300 m from the person's point shows as 5 km, and a list
may show "about 5 km" before "3.2 km". Virtual services (and services whose locations have
no coordinates) have no distance and are never excluded by distance.

Ranking. Services that remain are ordered by, in turn:

1. availability bucket: 0 fresh and open, 1 aging and open, 2 everything else (full,
   unknown, stale);
2. distance, when the person gave a location: nearer first, compared in steps of
   `RANK_DISTANCE_STEP_KM` (the precision a public distance is shown with), so services at
   the same distance to the nearest tenth of a km fall through to the next criterion. With
   `away_from_km` the order is the same: every service left is already at least that far
   away, and the nearest of those is the easiest to reach. Virtual services come after every
   service with a distance in the same bucket: a person who gives a location is looking for
   a place, and phone or online help is still listed, just after the places;
3. language: a service that speaks the person's first language beats one that speaks only a
   later one, which beats one that speaks none of them;
4. the number of the person's known preference tags (`PREFERENCE_TAGS`) the service has;
5. name (case-insensitive, then exact), then service id, so ties break deterministically.

`Match.score` encodes criteria 1-4 as a number in [0, 1]: results are sorted by descending
score, equal scores in name and id order. Scores compare results of one request only.
"""

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, Final, Literal

from lantern.core.geo import haversine_km, round_distance_km

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

RANK_DISTANCE_STEP_KM = 0.1
# Half the Earth's circumference is about 20,015 km: no distance reaches this many steps.
_MAX_DISTANCE_LEVEL = 200_200
_NO_DISTANCE_LEVEL = _MAX_DISTANCE_LEVEL + 1
_DISTANCE_RADIX = _MAX_DISTANCE_LEVEL + 2


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

_HELP_TYPE_TEXTS: Mapping[str, str] = {
    "emergency-shelter": gettext_noop("Offers a safe place to stay tonight"),
    "residential-program": gettext_noop("Offers a longer stay with support"),
    "legal": gettext_noop("Offers legal help"),
    "immigration-legal": gettext_noop("Offers help with visas and immigration"),
    "medical": gettext_noop("Offers medical care"),
    "mental-health": gettext_noop("Offers counseling"),
    "case-management": gettext_noop("Offers help to plan next steps"),
    "substance-use": gettext_noop("Offers help with drugs or alcohol"),
    "employment-education": gettext_noop("Offers help with jobs and school"),
    "basic-needs": gettext_noop("Offers food, clothes and other daily needs"),
    "hotline": gettext_noop("Someone to talk to by phone or text"),
}

_GENDER_TEXTS: Mapping[str, str] = {
    "woman": gettext_noop("Serves women"),
    "man": gettext_noop("Serves men"),
    "transgender_woman": gettext_noop("Serves transgender women"),
    "transgender_man": gettext_noop("Serves transgender men"),
    "nonbinary": gettext_noop("Serves nonbinary people"),
}

_TRAFFICKING_TEXTS: Mapping[str, str] = {
    "sex": gettext_noop("Helps people trafficked for sex"),
    "labor": gettext_noop("Helps people trafficked for work"),
}

_HELP_ORDER = {code: i for i, code in enumerate(HELP_TYPES)}
_PREFERENCE_ORDER = {tag: i for i, tag in enumerate(PREFERENCE_TAGS)}


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


@dataclass(frozen=True)
class MatchResult:
    total: int  # how many services are eligible
    matches: tuple[Match, ...]  # the best `limit` of them, best first


# --- Availability --------------------------------------------------------------------------

_NO_CAPACITY = Availability(status=UNKNOWN, available=None, updated=None, freshness=None)


def _availability(
    capacities: tuple[Capacity, ...], now: datetime, fresh_below: timedelta, stale_after: timedelta
) -> Availability:
    """The capacity to report: fresh and open first (most places, then most recent), then
    aging and open, then the most recent full one, then the most recent stale one."""
    if not capacities:
        return _NO_CAPACITY
    best: Capacity = capacities[0]
    best_band: Band = STALE
    best_key = (4, 0, 0.0, "")  # worse than any real capacity
    for cap in capacities:
        band = freshness_of(now - cap.updated, fresh_below, stale_after)
        if band == STALE:
            rank, places = 3, 0
        elif cap.available > 0:
            rank, places = (0 if band == FRESH else 1), cap.available
        else:
            rank, places = 2, 0
        key = (rank, -places, -cap.updated.timestamp(), cap.unit)
        if key < best_key:
            best, best_key, best_band = cap, key, band
    rank = best_key[0]
    if rank < 2:
        return Availability(OPEN, best.available, best.updated, best_band, best.unit)
    if rank == 2:
        return Availability(FULL, 0, best.updated, best_band, best.unit)
    return Availability(UNKNOWN, None, best.updated, STALE, best.unit)


def availability_of(
    candidate: Candidate, *, now: datetime, freshness: FreshnessPolicy
) -> Availability:
    fresh_below, stale_after = freshness.bands_for(candidate.service_types)
    return _availability(candidate.capacities, now, fresh_below, stale_after)


# --- Eligibility ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Prepared:
    """Needs reduced to what the rules read: "asks for nothing" values become None."""

    needs: Needs
    point: tuple[float, float] | None
    help_types: frozenset[str] | None
    trafficking_types: frozenset[str] | None
    languages: tuple[str, ...]
    preferences: frozenset[str]


def _prepare(needs: Needs) -> _Prepared:
    return _Prepared(
        needs=needs,
        point=needs.point,
        help_types=needs.help_types or None,
        trafficking_types=needs.trafficking_types or None,
        # First mention wins: ("es", "en", "es") ranks like ("es", "en").
        languages=tuple(dict.fromkeys(needs.languages or ())),
        preferences=needs.preferences & PREFERENCE_TAGS.keys(),
    )


def _rule_conflict(p: _Prepared, c: Candidate) -> str | None:
    """The first declared rule a stated need conflicts with, apart from place and time."""
    n = p.needs
    if n.age is not None and (
        (c.minimum_age is not None and n.age < c.minimum_age)
        or (c.maximum_age is not None and n.age > c.maximum_age)
    ):
        return "age"
    if n.gender is not None and c.genders_served is not None and n.gender not in c.genders_served:
        return "gender"
    if n.children:
        if c.accepts_children is False:
            return "children"
        if c.max_children is not None and n.children > c.max_children:
            return "max_children"
    if n.pets and c.accepts_pets is False:
        return "pets"
    if (
        p.trafficking_types is not None
        and c.trafficking_types_served is not None
        and p.trafficking_types.isdisjoint(c.trafficking_types_served)
    ):
        return "trafficking_type"
    if n.needs_wheelchair_access and c.wheelchair_accessible is False:
        return "wheelchair"
    if n.active_substance_use and c.accepts_active_substance_use is False:
        return "substance_use"
    if n.has_id_documents is False and c.requires_id_documents is True:
        return "id_documents"
    if p.help_types is not None and p.help_types.isdisjoint(c.service_types):
        return "help_type"
    return None


def _nearest_km(point: tuple[float, float] | None, c: Candidate) -> float | None:
    if point is None or c.virtual or not c.points:
        return None
    lat, lon = point
    if len(c.points) == 1:
        (plat, plon) = c.points[0]
        return haversine_km(lat, lon, plat, plon)
    return min(haversine_km(lat, lon, plat, plon) for plat, plon in c.points)


def _distance_conflict(n: Needs, km: float | None) -> str | None:
    if km is None:
        return None
    if n.max_distance_km is not None and km > n.max_distance_km:
        return "max_distance"
    if n.away_from_km is not None and km < n.away_from_km:
        return "away_from"
    return None


def distance_excludes(needs: Needs, points: tuple[tuple[float, float], ...]) -> bool:
    """Whether the distance rules alone exclude a service at these points (none: virtual),
    exactly as `match` decides; for counting without building candidates."""
    point = needs.point
    if point is None or not points:
        return False
    lat, lon = point
    km = min(haversine_km(lat, lon, plat, plon) for plat, plon in points)
    return _distance_conflict(needs, km) is not None


def _assess(
    p: _Prepared,
    c: Candidate,
    now: datetime,
    bands: tuple[timedelta, timedelta],
) -> tuple[str | None, float | None, Availability]:
    """(exclusion code or None, distance in km, availability), cheapest rules first."""
    code = _rule_conflict(p, c)
    if code is not None:
        return code, None, _NO_CAPACITY
    km = _nearest_km(p.point, c)
    code = _distance_conflict(p.needs, km)
    if code is not None:
        return code, km, _NO_CAPACITY
    avail = _availability(c.capacities, now, bands[0], bands[1])
    if p.needs.only_open and avail.bucket != 0:
        return "not_open", km, avail
    return None, km, avail


def excluded_by(
    needs: Needs, candidate: Candidate, *, now: datetime, freshness: FreshnessPolicy
) -> str | None:
    """The code (see EXCLUSION_CODES) of the first hard rule that excludes the service, or
    None when it is eligible. `only_open` needs fresh open capacity; aging is not enough."""
    _check_aware(now)
    bands = freshness.bands_for(candidate.service_types)
    return _assess(_prepare(needs), candidate, now, bands)[0]


# --- Matching ------------------------------------------------------------------------------


def _check_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")


def match(
    needs: Needs,
    candidates: Iterable[Candidate],
    *,
    now: datetime,
    freshness: FreshnessPolicy,
    limit: int = 20,
    confidential_step_km: float = 5.0,
) -> MatchResult:
    """The eligible services, best first (see the module docstring for the order), at most
    `limit` of them, each with its reasons; `total` counts every eligible service."""
    _check_aware(now)
    if limit < 0:
        raise ValueError("limit must be zero or more")
    if not confidential_step_km > 0:
        raise ValueError("confidential_step_km must be more than zero")

    p = _prepare(needs)
    located = p.point is not None
    language_radix = len(p.languages) + 1
    preference_radix = len(p.preferences) + 1
    width = _DISTANCE_RADIX * language_radix * preference_radix
    top = 3 * width - 1
    band_cache: dict[frozenset[str], tuple[timedelta, timedelta]] = {}

    ranked: list[tuple[tuple[int, str, str, str], Candidate, float | None, Availability]] = []
    for c in candidates:
        bands = band_cache.get(c.service_types)
        if bands is None:
            bands = band_cache[c.service_types] = freshness.bands_for(c.service_types)
        code, km, avail = _assess(p, c, now, bands)
        if code is not None:
            continue

        if not located:
            distance_level = 0
        elif km is None:
            distance_level = _NO_DISTANCE_LEVEL
        else:
            distance_level = min(int(km / RANK_DISTANCE_STEP_KM + 0.5), _MAX_DISTANCE_LEVEL)
        language_rank = len(p.languages)
        for i, language in enumerate(p.languages):
            if language in c.languages:
                language_rank = i
                break
        preferences_missing = len(p.preferences - c.tags) if p.preferences else 0
        within = (
            distance_level * language_radix + language_rank
        ) * preference_radix + preferences_missing
        value = (2 - avail.bucket) * width + (width - 1 - within)
        ranked.append(((-value, c.name.casefold(), c.name, c.service_id), c, km, avail))

    ranked.sort(key=itemgetter(0))
    matches = []
    for key, c, km, avail in ranked[:limit]:
        shown = km
        if km is not None and c.confidential:
            shown = round_distance_km(km, confidential_step_km)
        matches.append(
            Match(
                candidate=c,
                score=-key[0] / top,
                reasons=_reasons(p, c, shown, avail, now),
                distance_km=shown,
                availability=avail,
            )
        )
    return MatchResult(total=len(ranked), matches=tuple(matches))


# --- Reasons -------------------------------------------------------------------------------


def _minutes_since(updated: datetime | None, now: datetime) -> int | None:
    if updated is None:
        return None
    return max(0, int((now - updated).total_seconds() // 60))


def _availability_reason(avail: Availability, now: datetime) -> Reason:
    minutes = _minutes_since(avail.updated, now)
    if avail.status == OPEN:
        params = {"available": avail.available, "unit": avail.unit, "minutes": minutes}
        return Reason(OPEN if avail.freshness == FRESH else AGING, params)
    if avail.status == FULL:
        return Reason(FULL, {"unit": avail.unit, "minutes": minutes, "freshness": avail.freshness})
    return Reason("unknown_availability", {"minutes": minutes})


def _reasons(
    p: _Prepared, c: Candidate, km: float | None, avail: Availability, now: datetime
) -> tuple[Reason, ...]:
    n = p.needs
    out = [_availability_reason(avail, now)]

    if c.virtual:
        out.append(Reason("virtual"))
    elif km is not None:
        params: dict[str, Any] = {"km": round(km, 1), "confidential": c.confidential}
        if n.away_from_km is not None:
            params["away_from_km"] = n.away_from_km
            out.append(Reason("distance_away", params))
        else:
            out.append(Reason("distance", params))

    out.extend(Reason("speaks", {"language": code}) for code in p.languages if code in c.languages)

    if n.gender is not None and c.genders_served is not None:
        out.append(Reason("serves_gender", {"gender": n.gender}))
    if n.age is not None and (c.minimum_age is not None or c.maximum_age is not None):
        out.append(
            Reason(
                "serves_age",
                {"age": n.age, "minimum_age": c.minimum_age, "maximum_age": c.maximum_age},
            )
        )
    if n.children and c.accepts_children is True:
        out.append(
            Reason("accepts_children", {"children": n.children, "max_children": c.max_children})
        )
    if n.pets and c.accepts_pets is True:
        out.append(Reason("accepts_pets"))
    if p.trafficking_types is not None and c.trafficking_types_served is not None:
        out.extend(
            Reason("serves_trafficking_type", {"type": kind})
            for kind in TRAFFICKING_TYPES
            if kind in p.trafficking_types and kind in c.trafficking_types_served
        )
    if n.needs_wheelchair_access and c.wheelchair_accessible is True:
        out.append(Reason("wheelchair_accessible"))
    if n.active_substance_use and c.accepts_active_substance_use is True:
        out.append(Reason("accepts_active_substance_use"))
    if n.has_id_documents is False and c.requires_id_documents is False:
        out.append(Reason("no_id_needed"))

    if p.help_types is not None:
        matched = sorted(
            p.help_types & c.service_types, key=lambda code: (_HELP_ORDER.get(code, 99), code)
        )
        out.extend(Reason("help_type", {"code": code}) for code in matched)
    if p.preferences:
        tags = sorted(p.preferences & c.tags, key=_PREFERENCE_ORDER.__getitem__)
        out.extend(Reason("preference", {"tag": tag}) for tag in tags)
    return tuple(out)


# --- Reasons in words ----------------------------------------------------------------------

Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


def _identity_gettext(message: str) -> str:
    return message


def _english_ngettext(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def _places_open(count: int, unit: str | None, ngettext: Ngettext) -> str:
    # One literal ngettext call per unit, so translators see whole phrases.
    if unit == "bed":
        text = ngettext("%(count)d bed open", "%(count)d beds open", count)
    elif unit == "line":
        text = ngettext("%(count)d phone line open", "%(count)d phone lines open", count)
    elif unit == "appointment":
        text = ngettext("%(count)d appointment open", "%(count)d appointments open", count)
    elif unit == "consultation":
        text = ngettext("%(count)d meeting time open", "%(count)d meeting times open", count)
    elif unit == "caseload place":
        text = ngettext(
            "%(count)d place for a new client", "%(count)d places for new clients", count
        )
    elif unit == "place" or not unit:
        text = ngettext("%(count)d place open", "%(count)d places open", count)
    else:
        text = ngettext("%(count)d open (%(unit)s)", "%(count)d open (%(unit)s)", count)
    return text % {"count": count, "unit": unit}


def _ago(minutes: int, gettext: Gettext, ngettext: Ngettext) -> str:
    if minutes < 1:
        return gettext("just now")
    if minutes < 60:
        return ngettext("%(count)d minute ago", "%(count)d minutes ago", minutes) % {
            "count": minutes
        }
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(count)d hour ago", "%(count)d hours ago", hours) % {"count": hours}
    days = hours // 24
    return ngettext("%(count)d day ago", "%(count)d days ago", days) % {"count": days}


def _format_km(km: float) -> str:
    if km < 10:
        text = f"{km:.1f}"
        return text.removesuffix(".0")
    return f"{km:.0f}"


def _distance_text(params: Mapping[str, Any], away: bool, gettext: Gettext) -> str:
    km = float(params["km"])
    confidential = bool(params.get("confidential"))
    if away:
        text = gettext("About %(km)s km away, more than the %(away)s km you asked for") % {
            "km": _format_km(km),
            "away": _format_km(float(params["away_from_km"])),
        }
    elif km < 1 and not confidential:
        text = gettext("Less than 1 km away")
    else:
        text = gettext("About %(km)s km away") % {"km": _format_km(km)}
    if confidential:
        text = f"{text}. {gettext('The address is kept private.')}"
    return text


def _age_text(params: Mapping[str, Any], gettext: Gettext) -> str:
    low, high = params.get("minimum_age"), params.get("maximum_age")
    if low is not None and high is not None:
        return gettext("Serves ages %(low)d to %(high)d") % {"low": low, "high": high}
    if low is not None:
        return gettext("Serves ages %(low)d and up") % {"low": low}
    return gettext("Serves ages %(high)d and under") % {"high": high}


def reason_text(
    reason: Reason,
    *,
    gettext: Gettext = _identity_gettext,
    ngettext: Ngettext = _english_ngettext,
) -> str:
    """The reason in plain words. Every string goes through `gettext`/`ngettext`, so the web
    layer passes Django's; the defaults give English. An unknown code comes back as is."""
    code, params = reason.code, reason.params
    if code in (OPEN, AGING):
        what = _places_open(int(params["available"]), params.get("unit"), ngettext)
        when = _ago(int(params["minutes"]), gettext, ngettext)
        if code == OPEN:
            return gettext("%(what)s, updated %(when)s") % {"what": what, "when": when}
        return gettext("%(what)s, updated %(when)s. Call to check.") % {
            "what": what,
            "when": when,
        }
    if code == FULL:
        when = _ago(int(params["minutes"]), gettext, ngettext)
        return gettext("Full, updated %(when)s") % {"when": when}
    if code == "unknown_availability":
        if params.get("minutes") is None:
            return gettext("No count of open places yet. Call first.")
        when = _ago(int(params["minutes"]), gettext, ngettext)
        return gettext("Open places not known, last update %(when)s. Call first.") % {"when": when}
    if code in ("distance", "distance_away"):
        return _distance_text(params, code == "distance_away", gettext)
    if code == "virtual":
        return gettext("Online or by phone")
    if code == "speaks":
        language = str(params["language"])
        name = LANGUAGE_NAMES.get(language)
        return gettext("Speaks %(language)s") % {"language": gettext(name) if name else language}
    if code == "serves_gender":
        text = _GENDER_TEXTS.get(str(params["gender"]))
        return gettext(text) if text else code
    if code == "serves_age":
        return _age_text(params, gettext)
    if code == "accepts_children":
        return gettext("Accepts children")
    if code == "accepts_pets":
        return gettext("Accepts pets")
    if code == "serves_trafficking_type":
        text = _TRAFFICKING_TEXTS.get(str(params["type"]))
        return gettext(text) if text else code
    if code == "wheelchair_accessible":
        return gettext("Wheelchair accessible")
    if code == "accepts_active_substance_use":
        return gettext("Accepts people who use drugs or alcohol")
    if code == "no_id_needed":
        return gettext("No ID needed")
    if code == "help_type":
        help_code = str(params["code"])
        text = _HELP_TYPE_TEXTS.get(help_code)
        return gettext(text) if text else gettext("Offers %(help)s") % {"help": help_code}
    if code == "preference":
        text = PREFERENCE_TAGS.get(str(params["tag"]))
        return gettext(text) if text else str(params["tag"])
    return code
