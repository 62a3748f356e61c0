# A household's current assessment is named by a row of its own (CurrentAssessment) instead
# of a flag on the assessment: moving it no longer rewrites the old assessment (a whole row
# of answers and contributions, and an entry in each of its indexes).

import django.db.models.deletion
from django.db import migrations, models

MARKS_OF_THEIR_HOUSEHOLD = """
    ALTER TABLE registry_currentassessment
        ADD CONSTRAINT currentassessment_of_its_household
        FOREIGN KEY (household_id, assessment_id)
        REFERENCES registry_assessment (household_id, id)
        DEFERRABLE INITIALLY DEFERRED
"""


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0015_merge_assessor_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="CurrentAssessment",
            fields=[
                (
                    "household",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="registry.household",
                        verbose_name="household",
                    ),
                ),
                (
                    "assessment",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="registry.assessment",
                        verbose_name="assessment",
                    ),
                ),
            ],
            options={
                "verbose_name": "current assessment",
                "verbose_name_plural": "current assessments",
            },
        ),
        # Room on each page for a row's next version: a re-scoring moves every mark in place
        # (a heap-only update, no new index entry).
        migrations.RunSQL(
            "ALTER TABLE registry_currentassessment SET (fillfactor = 50)",
            migrations.RunSQL.noop,
        ),
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.UniqueConstraint(
                fields=("household", "id"), name="assessment_household_and_id"
            ),
        ),
        migrations.RunSQL(
            """
            INSERT INTO registry_currentassessment (household_id, assessment_id)
            SELECT household_id, id FROM registry_assessment WHERE is_current
            ORDER BY household_id
            """,
            migrations.RunSQL.noop,
        ),
        # After the rows are in: checked once, by one scan, instead of row by row.
        migrations.RunSQL(
            MARKS_OF_THEIR_HOUSEHOLD,
            "ALTER TABLE registry_currentassessment "
            "DROP CONSTRAINT currentassessment_of_its_household",
        ),
        migrations.RemoveIndex(
            model_name="assessment",
            name="assessment_household_idx",
        ),
        migrations.RemoveConstraint(
            model_name="assessment",
            name="assessment_one_current_per_household",
        ),
        # Backwards, `is_current` comes back true for every row: only the marked ones keep it
        # before its unique index is built again.
        migrations.RunSQL(
            migrations.RunSQL.noop,
            """
            UPDATE registry_assessment a SET is_current = false
            WHERE NOT EXISTS (
                SELECT 1 FROM registry_currentassessment p
                WHERE p.household_id = a.household_id AND p.assessment_id = a.id)
            """,
        ),
        migrations.RemoveField(
            model_name="assessment",
            name="is_current",
        ),
    ]
