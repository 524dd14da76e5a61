"""The "coalition admins" group: what coalition admins may do in Django's admin.

Permissions are normally created after all migrations run (post_migrate), so they are
created here first for the apps the group needs. The list is frozen here on purpose; the
running code keeps its own copy in `accounts.services.COALITION_ADMIN_PERMISSIONS`.
Existing coalition admins join the group.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

GROUP = "coalition admins"
PERMISSIONS = {
    "directory": {
        "organization": ("view", "add", "change"),
        "service": ("view", "add", "change"),
        "location": ("view", "add", "change"),
        "servicecapacity": ("view",),
        "taxonomy": ("view", "add", "change"),
        "taxonomyterm": ("view", "add", "change"),
        "unit": ("view", "add", "change"),
    },
    "accounts": {
        "user": ("view", "add", "change"),
        "organization": ("view", "add", "change"),
        "membership": ("view", "add"),
        "apitoken": ("view",),
    },
    "audit": {"auditevent": ("view",)},
}


def create_group(apps, schema_editor):
    alias = schema_editor.connection.alias
    for label in PERMISSIONS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=alias, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Membership = apps.get_model("accounts", "Membership")
    wanted = Q(pk__in=[])
    for app_label, models in PERMISSIONS.items():
        for model, verbs in models.items():
            wanted |= Q(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=[f"{verb}_{model}" for verb in verbs],
            )
    group, _ = Group.objects.using(alias).get_or_create(name=GROUP)
    group.permissions.set(Permission.objects.using(alias).filter(wanted))
    admins = Membership.objects.using(alias).filter(role="coalition_admin")
    for membership in admins.select_related("user"):
        membership.user.groups.add(group)


def remove_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_encrypt_sms_number"),
        ("directory", "0002_lantern_profile_taxonomies"),
        ("audit", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
