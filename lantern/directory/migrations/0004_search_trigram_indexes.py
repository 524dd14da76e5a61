"""Trigram indexes for the directory's text search (PostgreSQL only).

`?search=` keeps its meaning on both databases (name, description or organization name
contains the words, in any case); on PostgreSQL these GIN indexes (pg_trgm) let a search
read the few services that can match instead of upper-casing every description. They are
on `UPPER(column::text)`, the expression Django's `icontains` compares on PostgreSQL, so
the planner can use them for it. SQLite keeps its scan. `pg_trgm` is a trusted extension: the database owner may create it.
"""

from typing import Any

from django.db import migrations

INDEXES = {
    "service_name_trgm": ("service", "name"),
    "service_description_trgm": ("service", "description"),
    "organization_name_trgm": ("organization", "name"),
}


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_service_name_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
