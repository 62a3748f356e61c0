"""Give the role groups their DTSEN transition permissions. Scope (own agency, own
kelurahan, leadership counts only) is applied by depok_kds.access; deciding an exit needs
the programme core's decide permission as well."""

from django.db import migrations

from depok_kds.role_grants import grant_permissions, revoke_permissions

# Frozen here on purpose: a migration must not change when the models do.
VIEW = ["view_impactentry", "view_exitproposal"]
ROLE_PERMISSIONS = {
    "dinsos_admin": [*VIEW, "change_exitproposal"],
    "dinsos_operator": [*VIEW, "change_exitproposal"],
    "agency_officer": [*VIEW, "change_exitproposal"],
    "puskesos_officer": VIEW,
    "leadership": ["view_impactentry"],
    "auditor": VIEW,
}


def grant(apps, schema_editor):
    grant_permissions(apps, "transition", ROLE_PERMISSIONS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, "transition", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("transition", "0001_impact_and_exit_proposals"),
        ("depok_kds", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
