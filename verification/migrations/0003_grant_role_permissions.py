"""Give the role groups their verification permissions. Scope (own agency, own kelurahan)
is applied by depok_kds.access and the services; the Dinsos administrator is the supervisor
who resolves disagreements and the only one who sees who reported an inclusion error."""

from django.db import migrations

from depok_kds.role_grants import grant_permissions, revoke_permissions

# Frozen here on purpose: a migration must not change when the models do.
VIEW = [
    "view_policy",
    "view_check",
    "view_verdict",
    "view_resolution",
    "view_fieldvisit",
    "view_verivaliround",
    "view_complaint",
    "view_evidence",
    "view_oversight",
]
OPERATE = [
    "decide_check",
    "add_fieldvisit",
    "change_fieldvisit",
    "add_complaint",
    "change_complaint",
    "add_evidence",
    "add_verivaliround",
]
ROLE_PERMISSIONS = {
    "dinsos_admin": [
        *VIEW,
        *OPERATE,
        "change_policy",
        "resolve_disagreement",
        "view_complainant",
    ],
    "dinsos_operator": VIEW + OPERATE,
    "puskesos_officer": [
        "view_check",
        "decide_check",
        "view_fieldvisit",
        "add_fieldvisit",
        "change_fieldvisit",
        "view_complaint",
        "add_complaint",
        "change_complaint",
        "view_evidence",
        "add_evidence",
    ],
    "agency_officer": [
        "view_check",
        "decide_check",
        "view_evidence",
        "add_evidence",
        "view_oversight",
    ],
    "leadership": ["view_oversight"],
    "auditor": VIEW,
}


def grant(apps, schema_editor):
    grant_permissions(apps, "verification", ROLE_PERMISSIONS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, "verification", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0002_programme_policies"),
        ("depok_kds", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
