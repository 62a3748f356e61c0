"""Give the role groups (created by depok_kds 0002_roles) their registry permissions.

Scope (which kelurahan a Puskesos officer sees) is applied by depok_kds.access; these are only
the actions each role may take. Nobody deletes registry rows: people leave, die or move, and
the services record that.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here on purpose: a migration must not change when the models do.
VIEW = [
    "view_household",
    "view_person",
    "view_familycard",
    "view_householdevent",
    "view_kelurahan",
    "view_kecamatan",
]
EDIT = ["add_household", "change_household", "add_person", "change_person"]
ROLE_PERMISSIONS = {
    "dinsos_admin": VIEW + EDIT,
    "dinsos_operator": VIEW + EDIT,
    "puskesos_officer": VIEW + EDIT,
    "agency_officer": VIEW,
    "auditor": VIEW,
}


def grant(apps, schema_editor):
    # Permissions are normally created after migrations; these are needed now.
    app_config = apps.get_app_config("registry")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.filter(
            content_type__app_label="registry", codename__in=codenames
        )
        group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            perms = Permission.objects.filter(
                content_type__app_label="registry", codename__in=codenames
            )
            group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_load_wilayah"),
        ("depok_kds", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
