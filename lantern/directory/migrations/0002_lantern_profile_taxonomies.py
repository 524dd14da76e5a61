from django.db import migrations


def create_profile_terms(apps, schema_editor):
    from lantern.directory.profile import ALL_TERMS, TAXONOMIES

    Taxonomy = apps.get_model("directory", "Taxonomy")
    TaxonomyTerm = apps.get_model("directory", "TaxonomyTerm")
    for tax in TAXONOMIES:
        Taxonomy.objects.update_or_create(
            id=tax.id,
            defaults={"name": tax.name, "description": tax.description, "version": "1.0"},
        )
    for term in ALL_TERMS:
        TaxonomyTerm.objects.update_or_create(
            id=term.id,
            defaults={
                "code": term.code,
                "name": term.name,
                "description": term.description,
                "taxonomy_detail_id": term.taxonomy.id,
                "taxonomy": term.taxonomy.name,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(create_profile_terms, migrations.RunPython.noop)]
