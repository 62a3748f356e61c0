"""The registry number pads the id to at least 7 digits and keeps a longer id whole.

LPAD(id, 7) cut an id of 8 or more digits to its first 7 (household 12345678 would have
been KDS-1234567), so numbers would repeat from id 10,000,000. Django refuses to alter the
expression of a generated column (and PostgreSQL can only from version 17), so the column is
dropped and added again with its unique constraint.

Adding a stored generated column rewrites the whole household table and rebuilds its
indexes under an ACCESS EXCLUSIVE lock: on a large registry, run it in a quiet hour.
Existing numbers (ids below 10,000,000) come out the same.
"""

import django.db.models.functions.comparison
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0012_merge_nik_unverified_desil_index"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="household",
            name="household_registry_number",
        ),
        migrations.RemoveField(
            model_name="household",
            name="registry_number",
        ),
        migrations.AddField(
            model_name="household",
            name="registry_number",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Concat(
                    models.Value("KDS-"),
                    django.db.models.functions.text.LPad(
                        django.db.models.functions.comparison.Cast("id", models.TextField()),
                        django.db.models.functions.comparison.Greatest(
                            models.Value(7),
                            django.db.models.functions.text.Length(
                                django.db.models.functions.comparison.Cast("id", models.TextField())
                            ),
                        ),
                        models.Value("0"),
                    ),
                ),
                output_field=models.CharField(max_length=23),
                verbose_name="registry number",
            ),
        ),
        migrations.AddConstraint(
            model_name="household",
            constraint=models.UniqueConstraint(
                fields=("registry_number",), name="household_registry_number"
            ),
        ),
    ]
