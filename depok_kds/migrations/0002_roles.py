"""Create the role groups and give them the platform's permissions."""

from django.db import migrations

from depok_kds.role_grants import grant_permissions

# Frozen here on purpose: a migration must not change when roles.py does.
ROLE_PERMISSIONS = {
    "dinsos_admin": [
        "view_full_pii", "view_aggregates", "view_user", "add_user", "change_user",
        "view_job", "add_job", "view_auditentry", "view_apiclient", "add_apiclient", "change_apiclient",
        "view_apicalllog",
    ],
    "dinsos_operator": ["view_full_pii", "view_aggregates", "view_job", "add_job"],
    "puskesos_officer": ["view_full_pii"],
    "agency_officer": ["view_full_pii"],
    "leadership": ["view_aggregates"],
    "auditor": ["view_auditentry", "view_apicalllog", "view_job", "view_aggregates"],
    "api_client": [],
}


def create_roles(apps, schema_editor):
    grant_permissions(apps, "depok_kds", ROLE_PERMISSIONS)


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("depok_kds", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, delete_roles)]
