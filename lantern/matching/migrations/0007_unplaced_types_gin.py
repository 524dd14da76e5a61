"""A partial GIN index on the help types of entries without a place (PostgreSQL only).

A search with a distance limit reads the services in its box through the points' index and
the services without a place (phone and online help, about 15 % of a directory) through
this index, instead of testing every entry of its help types (see loader._eligible_rows).
"""

from typing import Any

from django.db import migrations

INDEX = "match_entry_unplaced_types_gin"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON match_entry"
            " USING gin (service_types) WHERE NOT placed"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("matching", "0006_matchentry_open_updated")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
