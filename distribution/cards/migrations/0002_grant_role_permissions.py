"""Give the role groups their card permissions. Scope (own kelurahan) is applied by
depok_kds.access: a Puskesos officer issues, prints and hands over the cards of their own
kelurahan; Dinsos staff those of the city; the auditor reads."""

from django.db import migrations

from depok_kds.role_grants import grant_permissions, revoke_permissions

# Frozen here on purpose: a migration must not change when the models do.
ALL = ["view_card", "add_card", "hand_over_card"]
ROLE_PERMISSIONS = {
    "dinsos_admin": ALL,
    "dinsos_operator": ALL,
    "puskesos_officer": ALL,
    "auditor": ["view_card"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, "cards", ROLE_PERMISSIONS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, "cards", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0001_cards_and_events"),
        ("depok_kds", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
