"""`match_entry.name` is a copy of `service.name`, which HSDS (and so the directory since
`directory.0005`) does not limit: the copy must not be narrower.

SQLite rebuilds the table for the change, and its triggers on `service_capacity` name
`match_entry`, so they are dropped around the rebuild and installed again.
"""

from typing import Any

from django.db import migrations, models

from lantern.matching import triggers


def uninstall(apps: Any, schema_editor: Any) -> None:
    triggers.drop(schema_editor.connection)


def install(apps: Any, schema_editor: Any) -> None:
    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0007_unplaced_types_gin"),
        ("directory", "0005_hsds_unbounded_widths"),
    ]

    operations = [
        migrations.RunPython(uninstall, install, elidable=False),
        migrations.AlterField(model_name="matchentry", name="name", field=models.TextField()),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
