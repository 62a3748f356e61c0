"""Give the role groups their programme permissions. Scope (own agency, own kelurahan) is
applied by depok_kds.access; Dinsos staff act on every programme and are the poverty check.
"""

from django.db import migrations

from depok_kds.role_grants import grant_permissions, revoke_permissions

# Frozen here on purpose: a migration must not change when the models do.
VIEW = [
    "view_agency",
    "view_programme",
    "view_cycle",
    "view_application",
    "view_enrolment",
    "view_decree",
]
ACT = [
    "add_cycle",
    "change_cycle",
    "add_application",
    "change_application",
    "decide_application",
    "add_enrolment",
    "change_enrolment",
    "add_decree",
    "add_recipientimport",
    "view_recipient_report",
]
ROLE_PERMISSIONS = {
    "dinsos_admin": [*VIEW, *ACT, "change_programme"],
    "dinsos_operator": VIEW + ACT,
    "agency_officer": VIEW + ACT,
    "puskesos_officer": ["view_programme", "view_cycle", "view_application", "add_application"],
    "leadership": ["view_recipient_report"],
    "auditor": [*VIEW, "view_recipient_report"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, "programs", ROLE_PERMISSIONS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, "programs", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0002_agencies_and_programmes"),
        ("depok_kds", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
