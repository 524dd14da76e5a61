"""Checking what a person typed into a case record: HTCDS codes, sizes and dates.

`clean_case_fields(data, partial=...)` takes a mapping of field -> value (from a form or the
API), refuses anything outside the standard with `FieldError(field, ...)` (a 422 naming the
field) and returns the clean values. Nothing is written here.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils import timezone

from lantern.cases import fips, vocab
from lantern.core.api_errors import FieldError
from lantern.core.bounds import check_date

ALIAS_MAX = 120
CONTACT_MAX = 500
AGENCY_MAX = 120
REFERENCE_MAX = 120
MAX_PLACES = 20

PERSONAL_FIELDS = ("alias", "contact", "birth_year", "child_report_reference")
CODED_FIELDS = (
    "gender",
    "age_band",
    "citizenship",
    "primary_language",
    "trafficking_status",
    "types_of_exploitation",
    "methods_of_control",
    "method_of_recruitment",
    "forced_labour_industry",
    "identified_on",
    "opened_on",
    "status",
    "places",
    "child_report_on",
    "child_report_agency",
)
EDITABLE_FIELDS = PERSONAL_FIELDS + CODED_FIELDS
# A case is closed through a supervisor's approval, never by editing its status.
OPEN_STATUSES = ("Active", "FollowUp")


def _text(field: str, value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FieldError(field, "must be text")
    value = value.strip()
    if len(value) > limit:
        raise FieldError(field, f"at most {limit} characters")
    if "\x00" in value:
        raise FieldError(field, "must not contain NUL characters")
    return value


def _date(field: str, value: Any, *, not_after_today: bool = True) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError as exc:
            raise FieldError(field, "must be a date (YYYY-MM-DD)") from exc
    if not isinstance(value, date):
        raise FieldError(field, "must be a date")
    try:
        check_date(value)
    except Exception as exc:
        raise FieldError(field, "must be between the years 1900 and 2100") from exc
    if not_after_today and value > timezone.localdate():
        raise FieldError(field, "cannot be in the future")
    return value


def _birth_year(value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        year = int(value)
    except (TypeError, ValueError) as exc:
        raise FieldError("birth_year", "must be a year such as 1998") from exc
    this_year = timezone.localdate().year
    if not 1900 <= year <= this_year:
        raise FieldError("birth_year", f"must be between 1900 and {this_year}")
    return str(year)


def _places(value: Any) -> list[dict[str, str]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise FieldError("places", "must be a list of places")
    if len(value) > MAX_PLACES:
        raise FieldError("places", f"at most {MAX_PLACES} places")
    places = []
    for index, place in enumerate(value):
        loc = f"places.{index}"
        if not isinstance(place, Mapping):
            raise FieldError(loc, "must be an object with place_type, country, state, county")
        unknown = set(place) - {"place_type", "country", "state", "county"}
        if unknown:
            raise FieldError(
                f"{loc}.{sorted(unknown)[0]}", "not a field of a place (no street addresses)"
            )
        place_type = vocab.check_code(
            f"{loc}.place_type", place.get("place_type"), vocab.PLACE_TYPES
        )
        country = str(place.get("country") or "").strip().upper()
        if not vocab.is_country(country):
            raise FieldError(f"{loc}.country", f"unknown code: {country or '(blank)'}")
        state = str(place.get("state") or "").strip()
        county = str(place.get("county") or "").strip()
        if county and not state and len(county) == 5 and county.isdigit():
            state = county[:2]  # a county's FIPS code starts with its state's
        if (state or county) and country not in ("US", "USA"):
            raise FieldError(
                f"{loc}.state", "states and counties are given for the United States only"
            )
        if state and state not in fips.STATES:
            raise FieldError(f"{loc}.state", "must be a 2-digit FIPS state code")
        if county and not (
            len(county) == 5 and county.isdigit() and county.startswith(state or "x")
        ):
            raise FieldError(f"{loc}.county", "must be a 5-digit FIPS county code in the state")
        places.append(
            {"place_type": place_type, "country": country, "state": state, "county": county}
        )
    return places


def clean_case_fields(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The clean values of the fields given (all of `EDITABLE_FIELDS` unless `partial`)."""
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    if unknown:
        raise FieldError(unknown[0], "not a field of a case")
    names = [name for name in EDITABLE_FIELDS if name in data or not partial]
    clean: dict[str, Any] = {}
    for name in names:
        value = data.get(name)
        if name == "alias":
            clean[name] = _text(name, value, ALIAS_MAX)
        elif name == "contact":
            clean[name] = _text(name, value, CONTACT_MAX)
        elif name == "child_report_reference":
            clean[name] = _text(name, value, REFERENCE_MAX)
        elif name == "child_report_agency":
            clean[name] = _text(name, value, AGENCY_MAX)
        elif name == "birth_year":
            clean[name] = _birth_year(value)
        elif name == "citizenship":
            code = str(value or "").strip().upper()
            if code and not vocab.is_country(code):
                raise FieldError(name, f"unknown code: {code}")
            clean[name] = code
        elif name == "primary_language":
            code = str(value or "").strip().lower()
            if code and not vocab.is_language(code):
                raise FieldError(name, f"unknown code: {code}")
            clean[name] = code
        elif name in ("types_of_exploitation", "methods_of_control"):
            allowed = (
                vocab.TYPES_OF_EXPLOITATION
                if name == "types_of_exploitation"
                else vocab.METHODS_OF_CONTROL
            )
            clean[name] = vocab.check_codes(name, value or [], allowed)
        elif name in ("identified_on", "child_report_on"):
            clean[name] = _date(name, value)
        elif name == "opened_on":
            clean[name] = _date(name, value) or timezone.localdate()
        elif name == "places":
            clean[name] = _places(value)
        elif name == "status":
            code = str(value or "Active")
            if code not in OPEN_STATUSES:
                raise FieldError(
                    name, "must be Active or FollowUp; a case is closed through a supervisor"
                )
            clean[name] = code
        else:
            allowed_codes = {
                "gender": vocab.GENDER,
                "age_band": vocab.AGE_BANDS,
                "trafficking_status": vocab.TRAFFICKING_STATUS,
                "method_of_recruitment": vocab.METHODS_OF_RECRUITMENT,
                "forced_labour_industry": vocab.FORCED_LABOUR_INDUSTRIES,
            }[name]
            clean[name] = vocab.check_code(name, value, allowed_codes) if value else ""
    return clean
