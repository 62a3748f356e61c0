from __future__ import annotations

from typing import Self

from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import Link, OptionalLink, OptionalUserLink
from depok_kds.models import TimeStampedModel
from registry.models.household import Household, PovertyClass


class Ruleset(TimeStampedModel):
    """A version of the 14-parameter poverty rules (Perwal Depok 31/2022) as data.

    `definition` holds the parameters, their options with points, the weights and the class
    thresholds, in the shape `registry.scoring.load_ruleset` validates. One version is
    active at a time; activating another re-scores every household as a job. Until the
    official annex (lampiran) is public, the shipped version is marked provisional, and
    every score shown says so, with its basis.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    version = models.CharField(_("version"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    basis = models.TextField(_("basis"), blank=True)
    is_provisional = models.BooleanField(_("provisional"), default=True)
    definition = models.JSONField(_("definition"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    activated_by = OptionalUserLink(_("activated by"))

    class Meta:
        verbose_name = _("poverty ruleset")
        verbose_name_plural = _("poverty rulesets")
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="active"),
                name="ruleset_one_active",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "active", "retired"]),
                name="ruleset_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.version


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    """Which assessment is a household's current one is said here, and only here (in SQL:
    `current_assessments_sql`)."""

    def current(self) -> Self:
        """Only current assessments: the one each household's `CurrentAssessment` names."""
        return self.filter(_is_current())

    def with_is_current(self) -> Self:
        """Each row with `is_current` (a boolean), for a history that marks the current one."""
        return self.annotate(is_current=_is_current())


def _is_current() -> Exists:
    # Both columns of the mark: its primary key (household) finds it, in one index probe.
    return Exists(
        CurrentAssessment.objects.filter(
            household_id=OuterRef("household_id"), assessment_id=OuterRef("pk")
        )
    )


def current_assessments_sql(assessment: str = "a", mark: str = "p") -> str:
    """FROM-clause SQL of the current assessments (`assessment`) with their marks (`mark`,
    whose `household_id` is the household's), for the set-based paths."""
    return (
        f"registry_currentassessment {mark} JOIN registry_assessment {assessment} "
        f"ON {assessment}.id = {mark}.assessment_id "
        f"AND {assessment}.household_id = {mark}.household_id"
    )


class Assessment(models.Model):
    """One scoring of a household against one ruleset version, with its raw answers.

    Rows are never changed: a new assessment (or a re-scoring under a new version) adds a
    row and moves the household's `CurrentAssessment` to it, so every past class can be
    explained and recomputed; the old row is not written again. `contributions` lists, per
    parameter, the option chosen and the points it gave.
    """

    class Source(models.TextChoices):
        FIELD_VISIT = "field_visit", _("Field visit")
        SELF_REPORT = "self_report", _("Self-report")
        IMPORT = "import", _("Import")
        RESCORE = "rescore", _("Re-scoring under a new ruleset")

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("household"),
        db_index=False,  # covered by assessment_household_idx
    )
    ruleset = models.ForeignKey(
        Ruleset, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("ruleset")
    )
    answers = models.JSONField(_("answers"))
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    max_score = models.DecimalField(_("maximum score"), max_digits=7, decimal_places=2)
    poverty_class = models.CharField(
        _("poverty class"), max_length=12, choices=PovertyClass.choices
    )
    contributions = models.JSONField(_("contributions"), default=list)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    assessor = OptionalUserLink(
        _("assessor"),
        db_index=False,  # covered by assessment_assessor_idx
    )
    assessed_on = models.DateField(_("assessed on"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("poverty assessment")
        verbose_name_plural = _("poverty assessments")
        constraints = [
            # What a household's CurrentAssessment refers to (household, assessment), so
            # that it can only name an assessment of that household; it also serves a
            # household's history (a few rows, sorted when read).
            models.UniqueConstraint(fields=["household", "id"], name="assessment_household_and_id"),
            models.CheckConstraint(
                condition=models.Q(poverty_class__in=PovertyClass.values),
                name="assessment_poverty_class_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=models.F("max_score")),
                name="assessment_score_range",
            ),
        ]
        indexes = [
            # Imports and re-scorings record no assessor: their rows need no entry.
            models.Index(
                fields=["assessor"],
                condition=models.Q(assessor__isnull=False),
                name="assessment_assessor_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.poverty_class} ({self.ruleset_id})"


class CurrentAssessment(models.Model):
    """Which assessment is a household's current one: one row per household assessed.

    A new assessment (a form, an import, a re-scoring) moves the household's row to it;
    assessments themselves are never written again. At most one current assessment per
    household is the primary key; that it is an assessment of this household is a foreign
    key on (household, assessment) to the assessments' (household, id), added in SQL by the
    migration that creates this table (Django declares foreign keys of one column only).
    The rows are narrow and their pages leave room (fillfactor 50, set by that migration),
    so that moving a city's marks in a re-scoring updates them in place.
    """

    household = models.OneToOneField(
        Household,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("household"),
    )
    assessment = Link(
        Assessment,
        _("assessment"),
        # The (household, assessment) foreign key above checks it; no index, so that
        # moving a mark changes no indexed column.
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        verbose_name = _("current assessment")
        verbose_name_plural = _("current assessments")

    def __str__(self) -> str:
        return f"{self.household_id} -> {self.assessment_id}"


class DesilRecord(models.Model):
    """A national DTSEN ranking (desil 1-10) of a family or person from one quarter on.

    Imported by NIK or No. KK; it holds until a later record of the same NIK and No. KK (a
    quarter writes only the rankings that changed, `registry.dtsen`). `household`/`person`
    are the registry records it was matched to (empty when nothing matched yet: the row is
    kept so that it can match later).
    """

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="desil_records",
        verbose_name=_("household"),
        db_index=False,  # desilrecord_household_idx starts with it
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="desil_records",
        verbose_name=_("person"),
    )
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    kk_number = models.CharField(_("No. KK"), max_length=16, blank=True)
    desil = models.PositiveSmallIntegerField(_("desil"))
    period = models.CharField(_("period"), max_length=6)
    job = OptionalLink("depok_kds.Job", on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("DTSEN desil")
        verbose_name_plural = _("DTSEN desil")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(desil__gte=1, desil__lte=10), name="desilrecord_desil_range"
            ),
            models.CheckConstraint(
                condition=models.Q(period__regex=r"^\d{4}Q[1-4]$"), name="desilrecord_period_format"
            ),
            models.CheckConstraint(
                condition=~models.Q(nik="", kk_number=""), name="desilrecord_has_identifier"
            ),
            # Re-importing the same quarter's file must change nothing.
            models.UniqueConstraint(
                fields=["period", "nik", "kk_number"], name="desilrecord_one_per_period"
            ),
        ]
        indexes = [
            models.Index(fields=["household", "-period"], name="desilrecord_household_idx"),
            # The ranking in force for a NIK and No. KK at a quarter: its latest record up to it.
            models.Index(fields=["nik", "kk_number", "-period"], name="desilrecord_identity_idx"),
            # By NIK alone only rankings no person holds yet are looked up (matching); any
            # other is found by its (period, NIK, No. KK). So a quarter of two million
            # matched person rankings adds nothing to these two.
            models.Index(
                fields=["nik"],
                name="desilrecord_nik_unmatched_idx",
                condition=models.Q(person__isnull=True) & ~models.Q(nik=""),
            ),
            models.Index(
                fields=["kk_number"],
                name="desilrecord_kk_given_idx",
                condition=~models.Q(kk_number=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} desil {self.desil}"
