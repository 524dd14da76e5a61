"""One search result as the survivor pages and the advocate search show it.

Directory data only (public): the service's name, status in words, how to reach it. A
confidential service shows only its area, the rounded distance and the help line.
"""

from typing import Any

from django.utils.translation import gettext as _

from lantern.matching.services import MatchItem


def _tel(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")


def _web(url: str | None) -> str | None:
    """Only ordinary web links from the directory (never javascript: or data:)."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


def _area(service: dict[str, Any]) -> str:
    for sal in service.get("service_at_locations", []):
        for attr in sal.get("location", {}).get("attributes", []):
            if attr.get("taxonomy_term", {}).get("code") == "area" and attr.get("value"):
                return str(attr["value"])
    return ""


# Reasons that answer something the person asked for ("Accepts children", "Offers a safe
# place to stay tonight"): shown as what the service serves of their needs, help first.
_NEED_CODES = (
    "help_type",
    "accepts_children",
    "speaks",
    "serves_gender",
    "serves_age",
    "accepts_pets",
    "serves_trafficking_type",
    "wheelchair_accessible",
    "accepts_active_substance_use",
    "no_id_needed",
    "preference",
)


def result_card(item: MatchItem) -> dict[str, Any]:
    service = item.service
    availability = item.availability
    if availability.status == "open" and availability.freshness == "fresh":
        status, label = "open", _("Open now")
    elif availability.status == "open":
        status, label = "aging", _("May be open. Call to check.")
    elif availability.status == "full":
        status, label = "full", _("Full right now")
    else:
        status, label = "unknown", _("Not known. Call first.")
    texts = item.reason_texts
    coded = list(zip((r.code for r in item.reasons[1:]), texts[1:], strict=True))
    serves = sorted(
        ((code, text) for code, text in coded if code in _NEED_CODES),
        key=lambda pair: _NEED_CODES.index(pair[0]),  # stable: the engine's order within
    )
    card: dict[str, Any] = {
        "id": service["id"],
        "name": service.get("name", ""),
        "organization": service.get("organization", {}).get("name", ""),
        "description": service.get("description", ""),
        "status": status,
        "status_label": label,
        "availability_text": texts[0] if texts else "",
        # Which of the person's stated needs it serves, then where it is.
        "serves": [text for _code, text in serves],
        "reasons": [
            text for code, text in coded if code not in _NEED_CODES and code != "farther_away"
        ],
        "farther_away": next((text for code, text in coded if code == "farther_away"), ""),
        "confidential": item.confidential,
    }
    if item.confidential:
        # Only the area, the rounded distance (in the reasons) and the help line.
        card["area"] = _area(service)
        return card
    phones = list(service.get("phones", []))
    addresses = []
    for sal in service.get("service_at_locations", []):
        location = sal.get("location", {})
        phones.extend(location.get("phones", []))
        for address in location.get("addresses", []):
            street = ", ".join(
                part for part in (address.get("address_1"), address.get("address_2")) if part
            )
            place = " ".join(
                part
                for part in (
                    f"{address.get('city', '')},",
                    address.get("state_province", ""),
                    address.get("postal_code", ""),
                )
                if part
            )
            addresses.append(f"{street}, {place}" if street else place)
    card["addresses"] = addresses
    card["phones"] = [
        {"number": p["number"], "href": "tel:" + _tel(p["number"]), "note": p.get("description")}
        for p in phones
        if p.get("number")
    ]
    card["website"] = _web(service.get("url"))
    card["email"] = service.get("email")
    return card
