"""Why a service is in the results: `reasons_for` builds the reasons of one match (codes
and plain parameters), `reason_text` puts one in words through the caller's gettext."""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from lantern.matching.engine import (
    AGING,
    FRESH,
    FULL,
    HELP_TYPES,
    LANGUAGE_NAMES,
    OPEN,
    PREFERENCE_TAGS,
    TRAFFICKING_TYPES,
    Availability,
    Candidate,
    Reason,
    gettext_noop,
)
from lantern.matching.rules import Prepared

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


def reasons_for(
    p: Prepared, c: Candidate, km: float | None, avail: Availability, now: datetime
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


def ago_text(minutes: int, gettext: Gettext, ngettext: Ngettext) -> str:
    """'2 days ago', in the steps every "updated ..." uses (results, holds on old figures)."""
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
        when = ago_text(int(params["minutes"]), gettext, ngettext)
        if code == OPEN:
            return gettext("%(what)s, updated %(when)s") % {"what": what, "when": when}
        return gettext("%(what)s, updated %(when)s. Call to check.") % {
            "what": what,
            "when": when,
        }
    if code == FULL:
        when = ago_text(int(params["minutes"]), gettext, ngettext)
        return gettext("Full, updated %(when)s") % {"when": when}
    if code == "unknown_availability":
        if params.get("minutes") is None:
            return gettext("No count of open places yet. Call first.")
        when = ago_text(int(params["minutes"]), gettext, ngettext)
        return gettext("Open places not known, last update %(when)s. Call first.") % {"when": when}
    if code in ("distance", "distance_away"):
        return _distance_text(params, code == "distance_away", gettext)
    if code == "virtual":
        return gettext("Online or by phone")
    if code == "farther_away":
        return gettext("Farther away: more than %(km)s km from you") % {
            "km": _format_km(float(params["radius_km"]))
        }
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
