"""Load the provisional 14-parameter ruleset as the active one, and grant its permissions."""

import json
from pathlib import Path

from django.db import migrations

from depok_kds.role_grants import grant_permissions, revoke_permissions

RULESET_FILE = Path(__file__).resolve().parent.parent / "data" / "ruleset_provisional.json"

# Frozen here on purpose: a migration must not change when the models do.
ROLE_PERMISSIONS = {
    "dinsos_admin": [
        "view_ruleset", "add_ruleset", "change_ruleset",
        "view_assessment", "add_assessment", "view_desilrecord", "add_desilrecord",
    ],
    "dinsos_operator": [
        "view_ruleset", "view_assessment", "add_assessment", "view_desilrecord",
        "add_desilrecord",
    ],
    "puskesos_officer": ["view_ruleset", "view_assessment", "add_assessment", "view_desilrecord"],
    "agency_officer": ["view_ruleset", "view_assessment", "view_desilrecord"],
    "auditor": ["view_ruleset", "view_assessment", "view_desilrecord"],
}


def load(apps, schema_editor):
    data = json.loads(RULESET_FILE.read_text(encoding="utf-8"))
    apps.get_model("registry", "Ruleset").objects.update_or_create(
        version=data["version"],
        defaults={
            "name": data["name"],
            "basis": data["basis"],
            "is_provisional": data.get("is_provisional", True),
            "definition": data,
            "status": "active",
        },
    )
    grant_permissions(apps, "registry", ROLE_PERMISSIONS)


def unload(apps, schema_editor):
    data = json.loads(RULESET_FILE.read_text(encoding="utf-8"))
    apps.get_model("registry", "Ruleset").objects.filter(version=data["version"]).delete()
    revoke_permissions(apps, "registry", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_assessments_and_dtsen")]
    operations = [migrations.RunPython(load, unload)]
