"""How a case's fields read to a person: field names, HTCDS codes as plain labels, places,
dates. Presentation only (no reads, no audit): pages and the history use it on values that
`reading` already opened."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lantern.cases import fips, vocab
from lantern.cases.reading import GROUP_FIELDS

FIELD_LABELS: dict[str, Any] = {
    "alias": gettext_lazy("First name or alias"),
    "contact": gettext_lazy("Safe way to make contact"),
    "birth_year": gettext_lazy("Birth year"),
    "age_band": gettext_lazy("Age band"),
    "gender": gettext_lazy("Gender"),
    "citizenship": gettext_lazy("Citizenship"),
    "primary_language": gettext_lazy("Primary language"),
    "trafficking_status": gettext_lazy("Trafficking status"),
    "types_of_exploitation": gettext_lazy("Types of exploitation"),
    "methods_of_control": gettext_lazy("Methods of control"),
    "method_of_recruitment": gettext_lazy("Method of recruitment"),
    "forced_labour_industry": gettext_lazy("Forced labor industry"),
    "identified_on": gettext_lazy("Identified on"),
    "opened_on": gettext_lazy("Opened on"),
    "closed_on": gettext_lazy("Closed on"),
    "status": gettext_lazy("Case status"),
    "places": gettext_lazy("Places (recruitment, transit, exploitation)"),
    "child_report_on": gettext_lazy("Child-welfare report made on"),
    "child_report_agency": gettext_lazy("Child-welfare agency"),
    "child_report_reference": gettext_lazy("Child-welfare report reference"),
    "merged_from": gettext_lazy("Merged from"),
    "merged_into": gettext_lazy("Merged into"),
}

CODE_LISTS: dict[str, Mapping[str, Any]] = {
    "gender": vocab.GENDER,
    "age_band": vocab.AGE_BANDS,
    "trafficking_status": vocab.TRAFFICKING_STATUS,
    "types_of_exploitation": vocab.TYPES_OF_EXPLOITATION,
    "methods_of_control": vocab.METHODS_OF_CONTROL,
    "method_of_recruitment": vocab.METHODS_OF_RECRUITMENT,
    "forced_labour_industry": vocab.FORCED_LABOUR_INDUSTRIES,
    "status": vocab.CASE_STATUS,
}

# The groups a consent can grant, in the order the case page shows them.
GROUP_TITLES: dict[str, Any] = {
    "identity": gettext_lazy("Who they are"),
    "contact": gettext_lazy("How to reach them"),
    "trafficking": gettext_lazy("What happened"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def code_label(field: str, code: Any) -> str:
    """A code's plain label (the code itself when it is not in the list: an old value)."""
    if code in (None, ""):
        return ""
    codes = CODE_LISTS.get(field)
    if codes is not None:
        return str(codes.get(code, code))
    return str(code)


def country_label(code: str) -> str:
    try:
        return vocab.country_name(code)
    except LookupError:
        return code


def language_label(code: str) -> str:
    try:
        return vocab.language_name(code)
    except LookupError:
        return code


def place_text(place: Mapping[str, str]) -> str:
    """ "Place of exploitation: United States, Illinois, county 17031"."""
    parts = [country_label(place.get("country", ""))]
    if place.get("state"):
        parts.append(fips.STATES.get(place["state"], place["state"]))
    if place.get("county"):
        parts.append(_("county %(code)s") % {"code": place["county"]})
    return f"{code_label_place(place.get('place_type', ''))}: {', '.join(p for p in parts if p)}"


def code_label_place(code: str) -> str:
    return str(vocab.PLACE_TYPES.get(code, code))


def value_text(field: str, value: Any) -> str:
    """Any field's value as one line of text for a page."""
    if value in (None, "", []):
        return ""
    if field == "places":
        return "; ".join(place_text(place) for place in value)
    if field == "citizenship":
        return country_label(str(value))
    if field == "primary_language":
        return language_label(str(value))
    if isinstance(value, list):
        return ", ".join(code_label(field, code) for code in value)
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    if field in ("identified_on", "opened_on", "closed_on", "child_report_on"):
        try:
            return date_format(date.fromisoformat(str(value)), "DATE_FORMAT")
        except ValueError:
            return str(value)
    return code_label(field, value)


def group_lines(group: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) for each field of a consent group that has a value."""
    lines = []
    for name in GROUP_FIELDS.get(group, ()):
        text = value_text(name, values.get(name))
        if text:
            lines.append((field_label(name), text))
    return lines


def choices(codes: Mapping[str, Any], *, blank: Any = None) -> list[tuple[str, Any]]:
    """Form choices from a code list, with a first blank choice when `blank` is given."""
    found: list[tuple[str, Any]] = [("", blank)] if blank is not None else []
    return found + [(code, label) for code, label in codes.items()]
