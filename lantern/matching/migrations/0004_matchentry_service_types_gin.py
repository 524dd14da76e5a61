"""A GIN index on match_entry.service_types (PostgreSQL only): nearly every search names
help types, and `service_types ?| array[...]` then reads only the entries that offer one
of them instead of testing the JSON of every entry (see bench/README.md, matching)."""

from typing import Any

from django.db import migrations

INDEX = "match_entry_service_types_gin"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON match_entry USING gin (service_types)"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("matching", "0003_matchentry_name_key")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
