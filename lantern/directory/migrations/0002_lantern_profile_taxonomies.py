from django.db import migrations


def create_profile_terms(apps, schema_editor):
    from lantern.directory.profile import ensure_profile_terms

    ensure_profile_terms(apps.get_model("directory", "Taxonomy"),
                         apps.get_model("directory", "TaxonomyTerm"))


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(create_profile_terms, migrations.RunPython.noop)]
