"""Turning directory rows into HSDS 3.1 JSON, redacted for the viewer.

HSDS schemas do not accept nulls, so empty values are left out, except fields the schema
requires, which stay as "". Whether a confidential location is shown in full is decided by
`policy.sees_exact_location`, nowhere else.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from django.conf import settings
from django.utils import timezone

from lantern.core import geo
from lantern.directory import policy
from lantern.directory.freshness import availability_status, freshness
from lantern.directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
)
from lantern.directory.profile import location_profile_attributes, service_profile_attributes


def iso_ms(value: datetime) -> str:
    """ISO 8601 in UTC with millisecond precision, as capacity `updated` requires."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _clean(data: dict[str, Any], *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """Leave out empty values; a required field (by the HSDS schema) stays, as "" at worst:
    imported data may carry an empty description, and leaving it out breaks the schema."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None or value == "":
            if key in required:
                out[key] = ""
            continue
        if isinstance(value, datetime):
            value = iso_ms(value)
        elif isinstance(value, (date, time)):
            value = value.isoformat()
        out[key] = value
    return out


def _id(value: Any) -> str | None:
    return str(value) if value is not None else None


class Viewer:
    """What the serializers need to know about the caller, computed once per request."""

    def __init__(self, user: Any, *, now: datetime | None = None) -> None:
        self.user = user
        self.now = now or timezone.now()
        self.extra_attributes: dict[str, list[Attribute]] = {}

    def sees(self, location: Any) -> bool:
        return policy.sees_exact_location(self.user, location)

    def load_attributes(self, link_ids: Iterable[Any]) -> None:
        """One query for the generic (non-Lantern) attributes of every object on a page."""
        ids = [i for i in link_ids if i is not None]
        if not ids:
            return
        rows = Attribute.objects.filter(link_id__in=ids).select_related(
            "taxonomy_term", "taxonomy_term__taxonomy_detail"
        )
        for attr in rows:
            self.extra_attributes.setdefault(str(attr.link_id), []).append(attr)

    def attributes_of(self, link_id: Any) -> list[dict[str, Any]]:
        return [attribute_json(a) for a in self.extra_attributes.get(str(link_id), [])]


def taxonomy_json(tax: Taxonomy) -> dict[str, Any]:
    return _clean(
        {
            "id": str(tax.id),
            "name": tax.name,
            "description": tax.description,
            "uri": tax.uri,
            "version": tax.version,
        },
        required=("name", "description"),
    )


def taxonomy_term_json(term: TaxonomyTerm) -> dict[str, Any]:
    data = _clean(
        {
            "id": str(term.id),
            "code": term.code,
            "name": term.name,
            "description": term.description,
            "parent_id": _id(term.parent_id),
            "taxonomy": term.taxonomy
            or (term.taxonomy_detail.name if term.taxonomy_detail else ""),
            "taxonomy_id": _id(term.taxonomy_detail_id),
            "language": term.language,
            "term_uri": term.term_uri,
        },
        required=("name", "description"),
    )
    if term.taxonomy_detail is not None:
        data["taxonomy_detail"] = taxonomy_json(term.taxonomy_detail)
    return data


def attribute_json(attr: Attribute) -> dict[str, Any]:
    return _clean(
        {
            "id": str(attr.id),
            "link_id": str(attr.link_id),
            "link_type": attr.link_type,
            "link_entity": attr.link_entity,
            "taxonomy_term_id": str(attr.taxonomy_term_id),
            "taxonomy_term": taxonomy_term_json(attr.taxonomy_term),
            "value": attr.value,
            "label": attr.label,
        }
    )


def language_json(lang: Language) -> dict[str, Any]:
    return _clean(
        {
            "id": str(lang.id),
            "service_id": _id(lang.service_id),
            "location_id": _id(lang.location_id),
            "phone_id": _id(lang.phone_id),
            "name": lang.name,
            "code": lang.code,
            "note": lang.note,
        }
    )


def phone_json(phone: Phone) -> dict[str, Any]:
    return _clean(
        {
            "id": str(phone.id),
            "location_id": _id(phone.location_id),
            "service_id": _id(phone.service_id),
            "organization_id": _id(phone.organization_id),
            "service_at_location_id": _id(phone.service_at_location_id),
            "number": phone.number,
            "extension": phone.extension,
            "type": phone.type,
            "description": phone.description,
        },
        required=("number",),
    )


def schedule_json(s: Schedule) -> dict[str, Any]:
    return _clean(
        {
            "id": str(s.id),
            "service_id": _id(s.service_id),
            "location_id": _id(s.location_id),
            "service_at_location_id": _id(s.service_at_location_id),
            "valid_from": s.valid_from,
            "valid_to": s.valid_to,
            "dtstart": s.dtstart,
            "until": s.until,
            "wkst": s.wkst,
            "freq": s.freq,
            "interval": s.interval,
            "byday": s.byday,
            "bymonthday": s.bymonthday,
            "description": s.description,
            "opens_at": s.opens_at,
            "closes_at": s.closes_at,
            "attending_type": s.attending_type,
            "notes": s.notes,
        }
    )


def address_json(a: Address) -> dict[str, Any]:
    return _clean(
        {
            "id": str(a.id),
            "location_id": str(a.location_id),
            "attention": a.attention,
            "address_1": a.address_1,
            "address_2": a.address_2,
            "city": a.city,
            "region": a.region,
            "state_province": a.state_province,
            "postal_code": a.postal_code,
            "country": a.country,
            "address_type": a.address_type,
        },
        required=("address_1", "city", "state_province", "postal_code", "country"),
    )


def location_json(location: Location, viewer: Viewer) -> dict[str, Any]:
    exact = viewer.sees(location)
    data = _clean(
        {
            "id": str(location.id),
            "location_type": location.location_type,
            "url": location.url,
            "organization_id": _id(location.organization_id),
            "name": location.name,
            "alternate_name": location.alternate_name,
            "description": location.description,
            "transportation": location.transportation if exact else None,
            "latitude": location.latitude if exact else None,
            "longitude": location.longitude if exact else None,
        }
    )
    if exact:
        data["addresses"] = [address_json(a) for a in location.addresses.all()]
        data["phones"] = [phone_json(p) for p in location.phones.all()]
        data["schedules"] = [schedule_json(s) for s in location.schedules.all()]
    data["languages"] = [language_json(lang) for lang in location.languages.all()]
    data["attributes"] = location_profile_attributes(location) + viewer.attributes_of(location.id)
    return data


def type_codes_of(service: Service) -> list[str]:
    return [term.code for term in service.service_types.all()]


def capacity_json(cap: ServiceCapacity, viewer: Viewer, type_codes: list[str]) -> dict[str, Any]:
    band = freshness(cap.updated, viewer.now, type_codes)
    data = _clean(
        {
            "id": str(cap.id),
            "service_id": str(cap.service_id),
            "unit_id": str(cap.unit_id),
            "available": cap.available,
            "maximum": cap.maximum,
            "description": cap.description,
            "updated": cap.updated,
        }
    )
    data["unit"] = _clean(
        {
            "id": str(cap.unit.id),
            "name": cap.unit.name,
            "scheme": cap.unit.scheme,
            "identifier": cap.unit.identifier,
            "uri": cap.unit.uri,
        },
        required=("name",),
    )
    # Lantern profile extensions.
    data["freshness"] = band
    data["status"] = availability_status(cap.available, band)
    return data


def organization_summary_json(org: Organization) -> dict[str, Any]:
    return _clean(
        {
            "id": str(org.id),
            "name": org.name,
            "alternate_name": org.alternate_name,
            "description": org.description,
            "email": org.email,
            "website": org.website,
            "tax_status": org.tax_status,
            "tax_id": org.tax_id,
            "year_incorporated": org.year_incorporated,
            "legal_status": org.legal_status,
            "uri": org.uri,
            "parent_organization_id": _id(org.parent_organization_id),
        },
        required=("name", "description"),
    )


def service_core_json(service: Service) -> dict[str, Any]:
    return _clean(
        {
            "id": str(service.id),
            "organization_id": str(service.organization_id),
            "name": service.name,
            "alternate_name": service.alternate_name,
            "description": service.description,
            "url": service.url,
            "email": service.email,
            "status": service.status,
            "interpretation_services": service.interpretation_services,
            "application_process": service.application_process,
            "fees_description": service.fees_description,
            "wait_time": service.wait_time,
            "eligibility_description": service.eligibility_description,
            "minimum_age": service.minimum_age,
            "maximum_age": service.maximum_age,
            "assured_date": service.assured_date,
            "assurer_email": service.assurer_email,
            "alert": service.alert,
            "last_modified": service.last_modified,
        },
        required=("name",),
    )


def service_brief_json(service: Service) -> dict[str, Any]:
    """A service's one-to-one fields and its organization's (`full=false` lists)."""
    return service_core_json(service) | {
        "organization": organization_summary_json(service.organization)
    }


def service_json(
    service: Service, viewer: Viewer, *, with_locations: bool = True
) -> dict[str, Any]:
    """The full HSDS service, as `GET /services/{id}` and the services list return it."""
    type_codes = type_codes_of(service)
    data = service_core_json(service)
    data["organization"] = organization_summary_json(service.organization)
    data["capacities"] = [capacity_json(c, viewer, type_codes) for c in service.capacities.all()]
    data["languages"] = [language_json(lang) for lang in service.languages.all()]
    data["phones"] = [phone_json(p) for p in service.phones.all()]
    data["schedules"] = [schedule_json(s) for s in service.schedules.all()]
    if with_locations:
        data["service_at_locations"] = [
            _clean(
                {
                    "id": str(sal.id),
                    "service_id": str(sal.service_id),
                    "location_id": str(sal.location_id),
                    "description": sal.description,
                }
            )
            | {"location": location_json(sal.location, viewer)}
            for sal in service.service_at_locations.all()
        ]
    data["attributes"] = service_profile_attributes(service, type_codes) + viewer.attributes_of(
        service.id
    )
    return data


def distance_for_display(km: float, location: Any, viewer: Viewer) -> float:
    if viewer.sees(location):
        return round(km, 2)
    return geo.round_distance_km(km, settings.LANTERN_CONFIDENTIAL_DISTANCE_STEP_KM)


def service_at_location_json(
    sal: ServiceAtLocation, viewer: Viewer, distance_km: float | None = None
) -> dict[str, Any]:
    data = _clean(
        {
            "id": str(sal.id),
            "service_id": str(sal.service_id),
            "location_id": str(sal.location_id),
            "description": sal.description,
        }
    )
    data["phones"] = [phone_json(p) for p in sal.phones.all()]
    data["schedules"] = [schedule_json(s) for s in sal.schedules.all()]
    data["location"] = location_json(sal.location, viewer)
    data["service"] = service_json(sal.service, viewer, with_locations=False)
    data["attributes"] = viewer.attributes_of(sal.id)
    if distance_km is not None:
        data["distance_km"] = distance_for_display(distance_km, sal.location, viewer)
    return data


def service_minimal_json(
    service_id: Any, name: str, status: str, last_modified: datetime | None
) -> dict[str, Any]:
    """A service as `minimal=true` lists it. The HSDS API document names the date
    `modified_date`, the HSDS schema `last_modified`: both are given, with one value."""
    data = _clean(
        {"id": str(service_id), "name": name, "status": status, "last_modified": last_modified},
        required=("name", "status"),
    )
    if "last_modified" in data:
        data["modified_date"] = data["last_modified"]
    return data


def organization_json(
    org: Organization,
    viewer: Viewer,
    *,
    full: bool,
    services: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An HSDS organization; `full` nests its locations, `services` (already rendered,
    brief or full) its services."""
    data = organization_summary_json(org)
    data["phones"] = [phone_json(p) for p in org.phones.all()]
    if full:
        data["locations"] = [location_json(loc, viewer) for loc in org.locations.all()]
    if services is not None:
        data["services"] = services
    data["attributes"] = viewer.attributes_of(org.id)
    return data
