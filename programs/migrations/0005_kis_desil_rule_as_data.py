"""KIS PBI-APBD's DTSEN desil 1-5 targeting (from 2026) becomes its declarative poverty rule,
data that the programme core and detection both read, instead of code in the programme app."""

from django.db import migrations

RULE = {"rule": "poverty", "desil_max": 5, "from_year": 2026}


def add(apps, schema_editor):
    programme = apps.get_model("programs", "Programme")
    for row in programme.objects.filter(code="kis-pbi-apbd"):
        if RULE not in row.rules:
            row.rules = [*row.rules, RULE]
            row.save(update_fields=["rules"])


def remove(apps, schema_editor):
    programme = apps.get_model("programs", "Programme")
    for row in programme.objects.filter(code="kis-pbi-apbd"):
        row.rules = [r for r in row.rules if r != RULE]
        row.save(update_fields=["rules"])


class Migration(migrations.Migration):
    dependencies = [("programs", "0004_programme_four_eyes")]

    operations = [migrations.RunPython(add, remove)]
