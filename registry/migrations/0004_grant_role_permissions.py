"""Give the role groups (created by depok_kds 0002_roles) their registry permissions.

Scope (which kelurahan a Puskesos officer sees) is applied by depok_kds.access; these are only
the actions each role may take. Nobody deletes registry rows: people leave, die or move, and
the services record that.
"""

from django.db import migrations

from depok_kds.role_grants import grant_permissions, revoke_permissions

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
    grant_permissions(apps, "registry", ROLE_PERMISSIONS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, "registry", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_load_wilayah"),
        ("depok_kds", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
