"""Dukcapil matching: DKB extracts, matching runs and one outcome per person per run.

The rows of a DKB extract do not live in a model: each extract is loaded into a table of its
own (`registry.dukcapil.dkb_tables`), so that loading a new semester never touches the one
in use and dropping an old one is instant. Outcomes therefore keep a snapshot of the
Dukcapil fields they were decided on, which outlives the extract.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import Link, OptionalUserLink
from depok_kds.models import TimeStampedModel


class DkbExtract(TimeStampedModel):
    """One semester's DKB (Data Konsolidasi Bersih) population extract, loaded from a CSV.

    At most two extracts hold rows: the active one, which runs match against, and the one
    being loaded (or the one it replaced, until the next load starts). A load writes into a
    table of its own and becomes active only when it is complete.
    """

    class Status(models.TextChoices):
        LOADING = "loading", _("Loading")
        ACTIVE = "active", _("Active")
        SUPERSEDED = "superseded", _("Superseded")
        REMOVED = "removed", _("Removed")
        FAILED = "failed", _("Failed")

    semester = models.CharField(_("semester"), max_length=6, help_text=_("e.g. 2025-1"))
    source_name = models.CharField(_("file"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.LOADING
    )
    row_count = models.PositiveIntegerField(_("rows loaded"), default=0)
    bad_row_count = models.PositiveIntegerField(_("rows refused"), default=0)
    job = models.OneToOneField(
        "depok_kds.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    loaded_by = OptionalUserLink(_("loaded by"))
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("DKB extract")
        verbose_name_plural = _("DKB extracts")
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="dkbextract_one_active"
            ),
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="loading"),
                name="dkbextract_one_loading",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["loading", "active", "superseded", "removed", "failed"]
                ),
                name="dkbextract_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(semester__regex=r"^\d{4}-[12]$"),
                name="dkbextract_semester_format",
            ),
        ]

    def __str__(self) -> str:
        return f"DKB {self.semester} #{self.pk}"

    @property
    def table_name(self) -> str:
        return f"dukcapil_dkb_{self.pk}"

    @property
    def holds_rows(self) -> bool:
        return self.status in {self.Status.ACTIVE, self.Status.SUPERSEDED}


class MatchRun(TimeStampedModel):
    """One matching of a set of persons against one source, done by one job.

    The scope is every person, the persons of one kelurahan, or an explicit list of person
    ids given by the caller (how a programme matches its enrolments without the registry
    knowing about programmes).
    """

    class Source(models.TextChoices):
        DKB = "dkb", _("DKB extract")
        WEB_SERVICE = "web_service", _("Dukcapil web service")

    class Scope(models.TextChoices):
        ALL = "all", _("All persons")
        KELURAHAN = "kelurahan", _("One kelurahan")
        PERSONS = "persons", _("Selected persons")

    job = models.OneToOneField("depok_kds.Job", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    extract = models.ForeignKey(
        DkbExtract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name=_("DKB extract"),
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13, blank=True)
    person_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    scope_label = models.CharField(_("scope label"), max_length=200, blank=True)
    started_by = OptionalUserLink(_("started by"))
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=["dkb", "web_service"]), name="matchrun_source_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(source="web_service") | models.Q(extract__isnull=False),
                name="matchrun_dkb_has_extract",
            ),
            models.CheckConstraint(
                condition=models.Q(scope="all")
                | models.Q(scope="kelurahan", kelurahan_code__regex=r"^32\.76\.[0-9]{2}\.[0-9]{4}$")
                | (models.Q(scope="persons") & ~models.Q(person_ids=[])),
                name="matchrun_scope_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_source_display()}"


class Outcome(models.TextChoices):
    MATCHED = "matched", _("Matched")
    MATCHED_WITH_DIFFERENCES = "differences", _("Matched with differences")
    NIK_MISTYPED = "nik_mistyped", _("NIK probably mistyped")
    NOT_FOUND = "not_found", _("Not found")
    DECEASED = "deceased", _("Deceased")
    MOVED_OUT = "moved_out", _("Moved out of Depok")
    KK_DIFFERS = "kk_differs", _("KK differs from Dukcapil")
    NOT_VERIFIED = "not_verified", _("Not verified this run")


# The outcomes a person has to look at and confirm or reject.
REVIEWABLE = frozenset(
    {Outcome.NIK_MISTYPED, Outcome.DECEASED, Outcome.MOVED_OUT, Outcome.KK_DIFFERS}
)


class MatchOutcome(models.Model):
    """What one run found for one person, with the evidence and score it rests on.

    `dukcapil` is a snapshot of the Dukcapil fields compared (full NIK/KK inside: shown
    masked unless the reader may see personal data); `candidate_nik` is the NIK Dukcapil
    knows the person by when the registry's looks mistyped.
    """

    Outcome = Outcome

    class Review(models.TextChoices):
        NOT_NEEDED = "not_needed", _("No review needed")
        PENDING = "pending", _("Waiting for review")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    run = models.ForeignKey(
        MatchRun,
        on_delete=models.PROTECT,
        related_name="outcomes",
        verbose_name=_("run"),
        db_index=False,  # covered by matchoutcome_one_per_run_person
    )
    person = Link("registry.Person", _("person"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    method = models.CharField(_("method"), max_length=20, blank=True)
    score = models.FloatField(_("score"))
    differences = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    candidate_nik = models.CharField(  # noqa: DJ001 (NULL: no candidate)
        _("NIK at Dukcapil"), max_length=16, null=True, blank=True
    )
    event_date = models.DateField(_("date of death or move"), null=True, blank=True)
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13, blank=True)
    dukcapil = models.JSONField(_("Dukcapil data"), default=dict, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    review_status = models.CharField(
        _("review"), max_length=10, choices=Review.choices, default=Review.NOT_NEEDED
    )
    reviewed_by = OptionalUserLink(
        _("reviewed by"),
        db_index=False,  # never looked up by reviewer; every index slows a run's writes
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    created_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("matching outcome")
        verbose_name_plural = _("matching outcomes")
        permissions = [("review_matchoutcome", _("Can confirm or reject matching outcomes"))]
        constraints = [
            # A resumed or repeated chunk can never decide a person twice in one run.
            models.UniqueConstraint(
                fields=["run", "person"], name="matchoutcome_one_per_run_person"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=Outcome.values), name="matchoutcome_outcome_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    review_status__in=["not_needed", "pending", "confirmed", "rejected"]
                ),
                name="matchoutcome_review_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=1), name="matchoutcome_score_range"
            ),
            models.CheckConstraint(
                condition=models.Q(candidate_nik__isnull=True)
                | models.Q(candidate_nik__regex=r"^[0-9]{16}$"),
                name="matchoutcome_candidate_nik_format",
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="nik_mistyped") | models.Q(candidate_nik__isnull=False),
                name="matchoutcome_mistyped_has_candidate",
            ),
        ]
        indexes = [
            models.Index(fields=["run", "outcome"], name="matchoutcome_run_outcome_idx"),
            models.Index(
                fields=["outcome", "run"],
                condition=models.Q(review_status="pending"),
                name="matchoutcome_pending_idx",
            ),
            # A Puskesos officer's queue: their kelurahan's pending outcomes, in queue order.
            models.Index(
                fields=["kelurahan_code", "run", "outcome", "person"],
                condition=models.Q(review_status="pending"),
                name="matchoutcome_pending_kel_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.person_id}: {self.outcome}"
