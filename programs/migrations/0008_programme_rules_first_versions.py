"""Each programme's rules in force become its active version 1."""

from django.db import migrations


def forwards(apps, schema_editor):
    programme_model = apps.get_model("programs", "Programme")
    rules_model = apps.get_model("programs", "ProgrammeRules")
    for programme in programme_model.objects.all():
        rules_model.objects.get_or_create(
            programme=programme,
            version=1,
            defaults={
                "rules": programme.rules,
                "frequency_years": programme.frequency_years,
                "status": "active",
                "note": "The rules in force when versioning began.",
            },
        )


def backwards(apps, schema_editor):
    apps.get_model("programs", "ProgrammeRules").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0007_programme_rules_versions")]

    operations = [migrations.RunPython(forwards, backwards)]
