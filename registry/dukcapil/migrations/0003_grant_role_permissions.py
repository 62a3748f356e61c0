"""Give the role groups their Dukcapil matching permissions.

Dinsos administrators and operators load extracts, start runs and review outcomes; Puskesos
officers read the outcomes of their kelurahan (scope is applied by depok_kds.access); the
auditor reads everything. Agency officers will see outcomes only through their programmes
(a later change), so they get nothing here; leadership sees aggregates elsewhere.
"""

from django.db import migrations

from depok_kds.role_grants import grant_permissions, revoke_permissions

# Frozen here on purpose: a migration must not change when the models do.
VIEW = ["view_dkbextract", "view_matchrun", "view_matchoutcome"]
OPERATE = ["add_dkbextract", "add_matchrun", "review_matchoutcome"]
ROLE_PERMISSIONS = {
    "dinsos_admin": VIEW + OPERATE,
    "dinsos_operator": VIEW + OPERATE,
    "puskesos_officer": ["view_matchrun", "view_matchoutcome"],
    "auditor": VIEW,
}


def grant(apps, schema_editor):
    grant_permissions(apps, "dukcapil", ROLE_PERMISSIONS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, "dukcapil", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("dukcapil", "0002_fuzzystrmatch_extension"),
        ("depok_kds", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
