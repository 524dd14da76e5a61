"""No directory column is narrower than HSDS 3.1 allows: walked from the shipped schemas."""

import pytest
from django.db import models

from lantern.directory.hsds_io import hsds_schemas
from lantern.directory.hsds_io.reading import _TABLE_OF
from lantern.directory.models import Metadata
from lantern.testing import ServiceFactory

# RFC 5321 limits an address to 254 characters; HSDS's `format: email` refers to it.
EMAIL_MAX = 254


def _entity_schemas() -> dict[str, dict]:
    schemas = hsds_schemas()
    service = schemas["service"]["properties"]
    location = schemas["location"]
    capacity = service["capacities"]["items"]
    return {
        "service": schemas["service"],
        "organization": schemas["organization"],
        "location": location,
        "service_at_location": schemas["service_at_location"],
        "address": location["properties"]["addresses"]["items"],
        "phone": service["phones"]["items"],
        "schedule": service["schedules"]["items"],
        "language": service["languages"]["items"],
        "service_capacity": capacity,
        "unit": capacity["properties"]["unit"],
        "attribute": service["attributes"]["items"],
        "taxonomy_term": schemas["taxonomy_term"],
        "taxonomy": schemas["taxonomy"],
        "metadata": service["metadata"]["items"],
    }


def _widest_allowed(prop: dict) -> int | None:
    """The widest string HSDS allows for `prop` (None: no limit)."""
    if "maxLength" in prop:
        return int(prop["maxLength"])
    if "enum" in prop:
        return max(len(str(value)) for value in prop["enum"])
    if prop.get("format") == "email":
        return EMAIL_MAX
    return None


def test_every_string_column_is_at_least_as_wide_as_hsds_allows():
    entities = _entity_schemas()
    checked = []
    for model, table in [*_TABLE_OF.items(), (Metadata, "metadata")]:
        properties = entities[table]["properties"]
        for field in model._meta.concrete_fields:
            prop = properties.get(field.name)
            if prop is None or field.is_relation or not isinstance(field, models.CharField):
                continue
            if prop.get("format") == "uuid":
                continue
            allowed = _widest_allowed(prop)
            width = field.max_length
            if allowed is None:
                assert width is None, f"{table}.{field.name}: {width} characters, HSDS: no limit"
            else:
                assert width is None or width >= allowed, (
                    f"{table}.{field.name}: {width} < {allowed}"
                )
            checked.append(f"{table}.{field.name}")
    # The walk really covers the columns (the one the examples tripped over among them).
    assert "schedule.attending_type" in checked
    assert "service.url" in checked and "address.country" in checked
    assert len(checked) > 50


@pytest.mark.django_db
def test_a_long_hsds_string_is_stored_whole():
    service = ServiceFactory(name="N" * 1000, url="https://example.org/" + "p" * 400)
    service.full_clean(exclude=["organization"])
    service.save()
    service.refresh_from_db()
    assert len(service.name) == 1000 and len(service.url) == 420
