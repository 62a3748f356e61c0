"""Who sees the scorecard: counts for Dinsos, Puskesos (their kelurahan), leadership (the
city, aggregates only) and auditors; the lists for those who see rows; counting now for Dinsos."""

from django.db import migrations

from depok_kds.role_grants import grant_permissions, revoke_permissions

ROLE_PERMISSIONS = {
    "dinsos_admin": ["view_scorecardcount", "view_scorecard_list", "run_scorecard"],
    "dinsos_operator": ["view_scorecardcount", "view_scorecard_list", "run_scorecard"],
    "puskesos_officer": ["view_scorecardcount", "view_scorecard_list"],
    "leadership": ["view_scorecardcount"],
    "auditor": ["view_scorecardcount", "view_scorecard_list"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, "scorecard", ROLE_PERMISSIONS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, "scorecard", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("scorecard", "0001_scorecard_counts"), ("depok_kds", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
