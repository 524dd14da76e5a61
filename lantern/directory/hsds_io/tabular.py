"""The HSDS tabular package: which tables, columns and field types an export writes
and an import understands."""

from dataclasses import dataclass
from typing import Any

# --- the tabular package -------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One HSDS table in the tabular package: its HSDS name, file and Lantern's columns.

    Columns are HSDS column names in HSDS order, limited to what Lantern stores. A column
    is written `name` (a string), or `name:type` with a Frictionless field type.
    """

    name: str
    path: str
    spec: str

    @property
    def columns(self) -> list[str]:
        return [column.split(":")[0] for column in self.spec.split()]

    def fields(self) -> list[dict[str, str]]:
        out = []
        for column in self.spec.split():
            name, _, kind = column.partition(":")
            descriptor = {"name": name, "type": kind or "string"}
            fmt = _FORMATS.get(name) or ("uuid" if name == "id" or name in REFERENCES else "")
            if fmt and not kind:
                descriptor["format"] = fmt
            out.append(descriptor)
        return out


# Columns that hold the id of another object.
REFERENCES = frozenset(
    {
        "organization_id",
        "parent_organization_id",
        "service_id",
        "location_id",
        "service_at_location_id",
        "unit_id",
        "phone_id",
        "link_id",
        "taxonomy_term_id",
        "taxonomy_id",
        "parent_id",
    }
)
_FORMATS = {
    "email": "email",
    "assurer_email": "email",
    "url": "uri",
    "website": "uri",
    "uri": "uri",
    "term_uri": "uri",
}

# File names are the `path` each table has in the compiled HSDS 3.1 schema, so HSDS tools
# find them where the standard puts them (`service_at_location.csv`, `service_capacity.csv`).
TABLES: tuple[Table, ...] = (
    Table(
        "organization",
        "organizations.csv",
        "id name alternate_name description email website tax_status tax_id "
        "year_incorporated:number legal_status uri parent_organization_id",
    ),
    Table(
        "service",
        "services.csv",
        "id organization_id name alternate_name description url email status "
        "interpretation_services application_process fees_description wait_time "
        "eligibility_description minimum_age:number maximum_age:number assured_date:date "
        "assurer_email alert last_modified:datetime",
    ),
    Table(
        "attribute",
        "attributes.csv",
        "id link_id taxonomy_term_id link_type link_entity value label",
    ),
    Table(
        "service_at_location", "service_at_location.csv", "id service_id location_id description"
    ),
    Table(
        "location",
        "locations.csv",
        "id location_type url organization_id name alternate_name description transportation "
        "latitude:number longitude:number",
    ),
    Table(
        "phone",
        "phones.csv",
        "id location_id service_id organization_id service_at_location_id number "
        "extension:number type description",
    ),
    Table(
        "address",
        "addresses.csv",
        "id location_id attention address_1 address_2 city region state_province postal_code "
        "country address_type",
    ),
    Table(
        "schedule",
        "schedules.csv",
        "id service_id location_id service_at_location_id valid_from:date valid_to:date "
        "dtstart:date until:date wkst freq interval:number byday bymonthday description "
        "opens_at:time closes_at:time attending_type notes",
    ),
    Table("language", "languages.csv", "id service_id location_id phone_id name code note"),
    Table(
        "taxonomy_term",
        "taxonomy_terms.csv",
        "id code name description parent_id taxonomy language taxonomy_id term_uri",
    ),
    Table("taxonomy", "taxonomies.csv", "id name description uri version"),
    Table(
        "service_capacity",
        "service_capacity.csv",
        "id service_id unit_id available:number maximum:number description updated:datetime",
    ),
    Table("unit", "units.csv", "id name scheme identifier uri"),
)
TABLES_BY_NAME = {table.name: table for table in TABLES}
JSON_FILES = ("services.json", "organizations.json", "taxonomies.json", "taxonomy_terms.json")

# A phone, schedule or language can belong to several objects at once. In the tabular
# package each row is written once, under the first owner it has in this order; the
# location comes last because a confidential location's own rows are the ones redacted.
_OWNER_ORDER = {
    "phone": ("service_at_location_id", "service_id", "organization_id", "location_id"),
    "schedule": ("service_at_location_id", "service_id", "location_id"),
    "language": ("service_id", "phone_id", "location_id"),
}


def _owned_by(table: str, row: dict[str, Any], owner_key: str) -> bool:
    first = next((key for key in _OWNER_ORDER[table] if row.get(key)), None)
    return first == owner_key
