"""`match_entry.open_updated`, kept by triggers on `service_capacity` (both databases):
see `lantern.matching.triggers` for what it holds and why triggers keep it."""

from typing import Any

from django.db import migrations, models

from lantern.matching import triggers


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # Room on each page for the row version a capacity write makes: the update stays
        # on its page (HOT) and no index of match_entry is touched.
        schema_editor.execute("ALTER TABLE match_entry SET (fillfactor = 90)")
    triggers.install(schema_editor.connection)


def drop(apps: Any, schema_editor: Any) -> None:
    triggers.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0005_matchdata"),
        ("directory", "0004_search_trigram_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="matchentry",
            name="open_updated",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
