"""The Lantern HSDS profile: our taxonomies and how our fields travel as HSDS attributes.

Ids are UUIDv5 under a fixed namespace, so every Lantern installation (and every export)
names the same term with the same id.
"""

import hashlib
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings

PROFILE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://lantern.example/hsds-profile/1")
PROFILE_VERSION = "1.0"

GENDERS = ("woman", "man", "transgender_woman", "transgender_man", "nonbinary")
TRAFFICKING_TYPES = ("sex", "labor")


def profile_uuid(*parts: str) -> uuid.UUID:
    # Not cached: one SHA-1 of a short string costs about a microsecond, and a cache of
    # every attribute id kept tens of thousands of objects that each full garbage
    # collection had to scan (a ~100 ms pause every dozen cold directory pages).
    return uuid.uuid5(PROFILE_NAMESPACE, "/".join(parts))


# SHA-1 state after the namespace's bytes, which every profile id hashes first.
_NAMESPACE_SHA1 = hashlib.sha1(PROFILE_NAMESPACE.bytes, usedforsecurity=False)


def profile_id(*parts: str) -> str:
    """`str(profile_uuid(*parts))`, without building a UUID: a cold directory page names
    some 400 attributes, and `uuid5` plus `str` cost about four times as much as this.
    Not cached either (see `profile_uuid`)."""
    digest = _NAMESPACE_SHA1.copy()
    digest.update("/".join(parts).encode())
    raw = bytearray(digest.digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50  # version 5
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(frozen=True)
class TaxonomyDef:
    key: str
    name: str
    description: str

    @property
    def id(self) -> uuid.UUID:
        return profile_uuid("taxonomy", self.key)


@dataclass(frozen=True)
class TermDef:
    taxonomy: TaxonomyDef
    code: str
    name: str
    description: str
    value_kind: str = "marker"  # marker | boolean | integer | enum

    @property
    def id(self) -> uuid.UUID:
        return profile_uuid("term", self.taxonomy.key, self.code)


SERVICE_TYPE_TAXONOMY = TaxonomyDef(
    "service-type",
    "Lantern service types",
    "What kind of help a service gives, in Lantern's words for anti-trafficking services.",
)
ELIGIBILITY_TAXONOMY = TaxonomyDef(
    "eligibility",
    "Lantern eligibility",
    "Who a service can take. A rule that is not stated never excludes anyone.",
)
LOCATION_TAXONOMY = TaxonomyDef(
    "location",
    "Lantern location",
    "Facts about a location, such as whether its address is confidential.",
)
TAXONOMIES = (SERVICE_TYPE_TAXONOMY, ELIGIBILITY_TAXONOMY, LOCATION_TAXONOMY)

SERVICE_TYPES = tuple(
    TermDef(SERVICE_TYPE_TAXONOMY, code, name, description)
    for code, name, description in [
        ("emergency-shelter", "Emergency shelter", "A safe place to stay tonight."),
        ("residential-program", "Residential program", "A longer stay with support, often months."),
        ("legal", "Legal help", "Help with the law, courts and legal problems."),
        (
            "immigration-legal",
            "Immigration legal help",
            "Help with visas (such as T and U visas) and immigration status.",
        ),
        ("medical", "Medical care", "Doctors, nurses and health care."),
        ("mental-health", "Mental health", "Counselling and therapy."),
        (
            "case-management",
            "Case management",
            "A person who helps plan next steps and find services.",
        ),
        ("substance-use", "Substance use treatment", "Help with drugs or alcohol."),
        (
            "employment-education",
            "Employment and education",
            "Job training, school and help finding work.",
        ),
        ("basic-needs", "Basic needs", "Food, clothes, phones and other daily needs."),
        ("hotline", "Hotline", "Someone to talk to on the phone or by text, any time."),
    ]
)
SERVICE_TYPE_CODES = tuple(term.code for term in SERVICE_TYPES)

# Eligibility terms map one-to-one onto typed Service columns.
ELIGIBILITY_TERMS = {
    term.code: term
    for term in [
        TermDef(
            ELIGIBILITY_TAXONOMY,
            "genders-served",
            "Genders served",
            f"One attribute per gender served; value one of {', '.join(GENDERS)}.",
            "enum",
        ),
        TermDef(
            ELIGIBILITY_TAXONOMY,
            "accepts-children",
            "Accepts children",
            "Whether people can bring their children; value true or false.",
            "boolean",
        ),
        TermDef(
            ELIGIBILITY_TAXONOMY,
            "max-children",
            "Maximum children",
            "How many children can come along; value an integer.",
            "integer",
        ),
        TermDef(
            ELIGIBILITY_TAXONOMY,
            "accepts-pets",
            "Accepts pets",
            "Whether pets are welcome; value true or false.",
            "boolean",
        ),
        TermDef(
            ELIGIBILITY_TAXONOMY,
            "trafficking-types-served",
            "Trafficking types served",
            "One attribute per type served; value sex or labor.",
            "enum",
        ),
        TermDef(
            ELIGIBILITY_TAXONOMY,
            "wheelchair-accessible",
            "Wheelchair accessible",
            "Value true or false.",
            "boolean",
        ),
        TermDef(
            ELIGIBILITY_TAXONOMY,
            "accepts-active-substance-use",
            "Accepts active substance use",
            "Value true or false.",
            "boolean",
        ),
        TermDef(
            ELIGIBILITY_TAXONOMY,
            "requires-id-documents",
            "Requires ID documents",
            "Whether the person must show identity documents; value true or false.",
            "boolean",
        ),
    ]
}
ELIGIBILITY_FIELDS = {
    "genders-served": "genders_served",
    "accepts-children": "accepts_children",
    "max-children": "max_children",
    "accepts-pets": "accepts_pets",
    "trafficking-types-served": "trafficking_types_served",
    "wheelchair-accessible": "wheelchair_accessible",
    "accepts-active-substance-use": "accepts_active_substance_use",
    "requires-id-documents": "requires_id_documents",
}
ENUM_VALUES = {"genders-served": GENDERS, "trafficking-types-served": TRAFFICKING_TYPES}

CONFIDENTIAL_TERM = TermDef(
    LOCATION_TAXONOMY,
    "confidential-location",
    "Confidential location",
    "The address is confidential (a safe house). Outside the owning organization only the "
    "area is shown, and distances are rounded.",
    "boolean",
)
AREA_TERM = TermDef(
    LOCATION_TAXONOMY, "area", "Area", "A coarse area (city or county, state).", "marker"
)
LOCATION_TERMS = {CONFIDENTIAL_TERM.code: CONFIDENTIAL_TERM, AREA_TERM.code: AREA_TERM}

ALL_TERMS: tuple[TermDef, ...] = (
    *SERVICE_TYPES,
    *ELIGIBILITY_TERMS.values(),
    *LOCATION_TERMS.values(),
)
TERMS_BY_ID = {str(term.id): term for term in ALL_TERMS}
SERVICE_TYPE_BY_ID = {str(term.id): term for term in SERVICE_TYPES}
SERVICE_TYPE_BY_CODE = {term.code: term for term in SERVICE_TYPES}


def ensure_profile_terms(taxonomy_model: Any, term_model: Any) -> None:
    """Create or refresh the Lantern taxonomies and terms (migrations pass historical models;
    tests that flush the database call it with the real ones)."""
    for tax in TAXONOMIES:
        taxonomy_model.objects.update_or_create(
            id=tax.id,
            defaults={"name": tax.name, "description": tax.description, "version": "1.0"},
        )
    for term in ALL_TERMS:
        term_model.objects.update_or_create(
            id=term.id,
            defaults={
                "code": term.code,
                "name": term.name,
                "description": term.description,
                "taxonomy_detail_id": term.taxonomy.id,
                "taxonomy": term.taxonomy.name,
            },
        )


def term_json(term: TermDef) -> dict[str, Any]:
    return dict(_term_json(term))


@lru_cache(maxsize=256)
def _term_json(term: TermDef) -> dict[str, Any]:
    return {
        "id": str(term.id),
        "code": term.code,
        "name": term.name,
        "description": term.description,
        "taxonomy": term.taxonomy.name,
        "taxonomy_id": str(term.taxonomy.id),
    }


def _attribute(link_id: str, entity: str, term: TermDef, value: str) -> dict[str, Any]:
    term_data = term_json(term)
    return {
        "id": profile_id("attribute", link_id, term.code, value),
        "link_id": link_id,
        "link_type": "lantern",
        "link_entity": entity,
        "taxonomy_term_id": term_data["id"],
        "taxonomy_term": term_data,
        "value": value,
        "label": term.name,
    }


def service_profile_attributes(service: Any, service_type_codes: list[str]) -> list[dict]:
    """The Lantern attributes of a service; undeclared rules produce no attribute."""
    link_id = str(service.id)
    attrs = [
        _attribute(link_id, "service", SERVICE_TYPE_BY_CODE[code], "true")
        for code in sorted(service_type_codes)
        if code in SERVICE_TYPE_BY_CODE
    ]
    for code, field in ELIGIBILITY_FIELDS.items():
        value = getattr(service, field)
        if value is None:
            continue
        term = ELIGIBILITY_TERMS[code]
        if isinstance(value, list):
            attrs.extend(_attribute(link_id, "service", term, str(v)) for v in sorted(value))
        elif isinstance(value, bool):
            attrs.append(_attribute(link_id, "service", term, "true" if value else "false"))
        else:
            attrs.append(_attribute(link_id, "service", term, str(value)))
    return attrs


def location_profile_attributes(location: Any) -> list[dict]:
    link_id = str(location.id)
    attrs = [
        _attribute(
            link_id,
            "location",
            CONFIDENTIAL_TERM,
            "true" if location.confidential else "false",
        )
    ]
    if location.area:
        attrs.append(_attribute(link_id, "location", AREA_TERM, location.area))
    return attrs


class ProfileValueError(ValueError):
    pass


def parse_service_attributes(attributes: list[dict]) -> tuple[list[str], dict[str, Any]]:
    """Read Lantern attributes back into (service type codes, eligibility field values).

    Attributes of other taxonomies are ignored here (the importer keeps them as they are).
    Raises ProfileValueError naming the term for a value that does not fit.
    """
    service_types: list[str] = []
    fields: dict[str, Any] = {}
    for attr in attributes:
        term = TERMS_BY_ID.get(str(attr.get("taxonomy_term_id", "")))
        if term is None or term.taxonomy is LOCATION_TAXONOMY:
            continue
        value = str(attr.get("value", "")).strip()
        if term.taxonomy is SERVICE_TYPE_TAXONOMY:
            service_types.append(term.code)
            continue
        field = ELIGIBILITY_FIELDS[term.code]
        if term.value_kind == "boolean":
            if value not in ("true", "false"):
                raise ProfileValueError(f"{term.code}: expected true or false, got {value!r}")
            fields[field] = value == "true"
        elif term.value_kind == "integer":
            if not value.isdigit():
                raise ProfileValueError(f"{term.code}: expected a whole number, got {value!r}")
            fields[field] = int(value)
        elif term.value_kind == "enum":
            if value not in ENUM_VALUES[term.code]:
                raise ProfileValueError(
                    f"{term.code}: expected one of {', '.join(ENUM_VALUES[term.code])}, "
                    f"got {value!r}"
                )
            fields.setdefault(field, [])
            if value not in fields[field]:
                fields[field].append(value)
    return sorted(set(service_types)), fields


def parse_location_attributes(attributes: list[dict]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in attributes:
        term = TERMS_BY_ID.get(str(attr.get("taxonomy_term_id", "")))
        if term is CONFIDENTIAL_TERM:
            value = str(attr.get("value", "")).strip()
            if value not in ("true", "false"):
                raise ProfileValueError(f"{term.code}: expected true or false, got {value!r}")
            out["confidential"] = value == "true"
        elif term is AREA_TERM:
            out["area"] = str(attr.get("value", "")).strip()
    return out


def profile_document(uri: str) -> dict[str, Any]:
    """The profile served at LANTERN_PROFILE_URL: what Lantern adds to HSDS 3.1, and how."""
    return {
        "name": "lantern",
        "title": "Lantern HSDS profile",
        "version": PROFILE_VERSION,
        "hsds_version": "3.1",
        "uri": uri,
        "description": (
            "Lantern's additions to Open Referral HSDS 3.1 for anti-trafficking services. "
            "Core HSDS fields keep their meaning. Lantern facts travel as `attributes` whose "
            "`taxonomy_term_id` is one of the terms below; an absent attribute means the "
            "service declares nothing about it, which never excludes anyone."
        ),
        "taxonomies": [
            {
                "id": str(tax.id),
                "name": tax.name,
                "description": tax.description,
                "terms": [
                    {**term_json(term), "value": term.value_kind}
                    for term in ALL_TERMS
                    if term.taxonomy is tax
                ],
            }
            for tax in TAXONOMIES
        ],
        "extensions": {
            "service_capacity": {
                "freshness": "fresh | aging | stale, from `updated` and the service types",
                "status": "open | full | unknown; stale capacity is always unknown",
            },
            "service_at_location": {
                "distance_km": "distance from the query point; rounded up to "
                f"{settings.LANTERN_CONFIDENTIAL_DISTANCE_STEP_KM} km for confidential "
                "locations",
            },
            "query_parameters": {
                "latitude": "with longitude and proximity (meters): search around a point",
                "longitude": "see latitude",
            },
        },
        "confidential_locations": (
            "Outside the owning organization a confidential location has no latitude, "
            "longitude or addresses; only the `area` attribute (city or county, state). "
            "Distance filters use a point snapped to a ~10 km grid."
        ),
        "freshness_hours": {
            key: {"fresh_below": band[0], "stale_after": band[1]}
            for key, band in settings.LANTERN_FRESHNESS_HOURS.items()
        },
    }
