"""Helpers shared by the HSDS export and import tests."""

import copy
import csv
import json
from datetime import date, time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from lantern.directory.hsds import organization_json, service_json
from lantern.directory.hsds_io import (
    services_for_export,
    unredacted_viewer,
)
from lantern.directory.models import (
    Address,
    Attribute,
    CapacityReminder,
    Language,
    Location,
    Metadata,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)

DIRECTORY_MODELS = (
    Attribute,
    Metadata,
    CapacityReminder,
    ServiceCapacity,
    Language,
    Phone,
    Schedule,
    Address,
    ServiceAtLocation,
    Service,
    Location,
    Organization,
    Unit,
    TaxonomyTerm,
    Taxonomy,
)


# --- helpers -------------------------------------------------------------------------------


def export(directory: Path, *flags: str) -> str:
    out = StringIO()
    call_command("hsds", "export", str(directory), *flags, stdout=out)
    return out.getvalue()


def import_(path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("hsds", "import", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failed_import(path: Path) -> str:
    """Run an import that must fail; return what it reported."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("hsds", "import", str(path), stdout=out, stderr=err)
    return err.getvalue()


def every_file_text(directory: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(directory.rglob("*.*")))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in DIRECTORY_MODELS}
    counts["service_types"] = Service.service_types.through.objects.count()
    return counts


def last_modified_stamps() -> dict[str, Any]:
    return {
        str(pk): stamp
        for model in (Organization, Service, Location, ServiceAtLocation)
        for pk, stamp in model.objects.values_list("pk", "last_modified")
    }


def flush_directory() -> None:
    """Empty every directory table, Lantern's own taxonomies included."""
    for model in DIRECTORY_MODELS:
        model.objects.all().delete()
    assert not any(row_counts().values())


def enrich_directory() -> None:
    """Add what the demo seed leaves out, so every HSDS table has rows (all synthetic)."""
    taxonomy = Taxonomy.objects.create(
        name="Fictional accreditation",
        description="A synthetic taxonomy for tests.",
        uri="https://taxonomy.example.org/accreditation",
        version="2",
    )
    parent = TaxonomyTerm.objects.create(
        code="accredited",
        name="Accredited",
        description="Accredited by a fictional body.",
        taxonomy_detail=taxonomy,
    )
    term = TaxonomyTerm.objects.create(
        code="accredited-state",
        name="State accredited",
        description="Accredited by a fictional state body.",
        taxonomy_detail=taxonomy,
        parent=parent,
        language="en",
    )
    services = list(Service.objects.order_by("id")[:4])
    for service in services:
        Attribute.objects.create(
            link_id=service.id,
            link_type="accreditation",
            link_entity="service",
            taxonomy_term=term,
            value="2025",
            label="Accredited since",
        )
    Schedule.objects.create(
        service=services[0],
        freq="WEEKLY",
        byday="SA",
        opens_at=time(10),
        closes_at=time(14),
        valid_from=date(2025, 1, 1),
        description="Saturdays",
    )
    services[1].alternate_name = "Fictional alias"
    services[1].fees_description = "Free"
    services[1].save()
    sal = ServiceAtLocation.objects.filter(location__confidential=False).order_by("id").first()
    assert sal is not None
    sal.description = "Walk-ins welcome"
    sal.save()
    Phone.objects.create(service_at_location=sal, number="(212) 555-0150", type="text")
    Schedule.objects.create(
        service_at_location=sal,
        freq="WEEKLY",
        byday="MO,TU,WE",
        opens_at=time(9),
        closes_at=time(17),
        description="Weekdays",
    )
    Attribute.objects.create(
        link_id=sal.id, link_entity="service_at_location", taxonomy_term=parent, value="yes"
    )
    location = sal.location
    location.transportation = "Bus 12 to the door"
    location.save()
    Phone.objects.create(location=location, number="(212) 555-0151", extension=12, type="voice")
    Schedule.objects.create(location=location, freq="WEEKLY", byday="FR", opens_at=time(8))
    Language.objects.create(location=location, code="es", name="Spanish", note="Front desk")
    Attribute.objects.create(
        link_id=location.id, link_entity="location", taxonomy_term=parent, value="yes"
    )
    first, second = Organization.objects.order_by("id")[:2]
    second.parent_organization = first
    second.tax_status = "501(c)(3)"
    second.year_incorporated = 2009
    second.save()
    Attribute.objects.create(
        link_id=first.id, link_entity="organization", taxonomy_term=term, value="2019"
    )
    Unit.objects.filter(name="bed").update(identifier="bed-1", uri="https://units.example.org/bed")


def rendered_services(viewer_factory: Any, now: Any) -> dict[str, dict[str, Any]]:
    """Every service as `service_json` renders it, keyed by id."""
    services = list(services_for_export())
    viewer = viewer_factory(now)
    sals = [sal for s in services for sal in s.service_at_locations.all()]
    viewer.load_attributes([s.id for s in services] + [sal.location_id for sal in sals])
    return {str(s.id): service_json(s, viewer) for s in services}


def rendered_organizations(now: Any) -> dict[str, dict[str, Any]]:
    viewer = unredacted_viewer(now)
    orgs = list(Organization.objects.prefetch_related("phones", "locations").order_by("id"))
    viewer.load_attributes(
        [o.id for o in orgs] + [loc.id for o in orgs for loc in o.locations.all()]
    )
    return {str(o.id): organization_json(o, viewer, full=True) for o in orgs}


def api_services(client: Any) -> list[dict[str, Any]]:
    body = client.get("/api/v1/services", {"per_page": 100}).json()
    assert body["total_pages"] == 1
    return body["contents"]


def without_clock(services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Capacity `freshness` and `status` are computed from the clock at request time."""
    out = copy.deepcopy(services)
    for service in out:
        for capacity in service["capacities"]:
            capacity.pop("freshness")
            capacity.pop("status")
    return out


def attribute_index(service: dict[str, Any], term_id: Any) -> int:
    return next(
        i for i, a in enumerate(service["attributes"]) if a["taxonomy_term_id"] == str(term_id)
    )
