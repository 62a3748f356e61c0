"""Overlap detection: findings with their history, imported national recipient lists,
configurable exclusive pairs and the household yearly cap.

A finding is identified by its `fingerprint` (rule + the ids of what it is about), so a
nightly re-run updates the same row: a case that still holds keeps its status and history,
one that vanished is closed, a dismissed one stays dismissed.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import Link, OptionalLink, OptionalUserLink
from depok_kds.formatting import rupiah
from depok_kds.models import ActedEvent, TimeStampedModel
from programs.overlap.rules import RULE_CHOICES, RULES_BY_CODE, Severity


class NationalListKind(models.TextChoices):
    PBI_APBN = "pbi_apbn", _("PBI-APBN (JKN paid by the national budget)")
    PKH = "pkh", _("PKH")
    BPNT = "bpnt", _("BPNT / Sembako")
    BSP = "bsp", _("BSP (provincial aid)")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")
    CLOSED = "closed", _("Closed (no longer holds)")


# Statuses a re-run may close when the case no longer holds, and that block approval.
LIVE_STATUSES = [FindingStatus.OPEN, FindingStatus.CONFIRMED]


class Finding(models.Model):
    """One case of one rule. `agency_code` and `kelurahan_code` are copies for routing."""

    Status = FindingStatus

    rule = models.CharField(_("rule"), max_length=32, choices=RULE_CHOICES)
    fingerprint = models.CharField(max_length=120, unique=True, editable=False)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    blocks = models.BooleanField(_("blocks approval"))
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    reason = models.TextField(_("reason"), blank=True)
    person = OptionalLink("registry.Person", _("person"))
    household = OptionalLink("registry.Household", _("household"))
    enrolment = OptionalLink("programs.Enrolment", _("enrolment"))
    application = OptionalLink("programs.Application", _("application"))
    programme = OptionalLink("programs.Programme", _("programme"))
    agency_code = models.CharField(_("agency"), max_length=12)
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    decided_by = OptionalUserLink(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen", "-pk"]
        verbose_name = _("overlap finding")
        verbose_name_plural = _("overlap findings")
        permissions = [
            ("decide_finding", "Can confirm or dismiss overlap findings"),
            ("view_overlap_report", "Can view the inclusion and exclusion report"),
            ("run_overlap_detection", "Can start overlap detection"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rule__in=list(RULES_BY_CODE)), name="finding_rule_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=FindingStatus.values), name="finding_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="dismissed") | ~models.Q(reason=""),
                name="finding_dismissal_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["rule", "status"], name="finding_rule_status_idx"),
            models.Index(fields=["household", "status"], name="finding_household_idx"),
            models.Index(fields=["person", "status"], name="finding_person_idx"),
            models.Index(fields=["application"], name="finding_application_idx"),
            models.Index(fields=["agency_code", "status"], name="finding_agency_idx"),
            models.Index(fields=["kelurahan_code", "status"], name="finding_kelurahan_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} #{self.pk}"

    @property
    def description(self) -> object:
        return RULES_BY_CODE[self.rule].description


class FindingEvent(ActedEvent):
    """A step in a finding's life: opened, reopened, confirmed, dismissed, closed."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Found")
        REOPENED = "reopened", _("Found again")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")
        CLOSED = "closed", _("Closed: no longer holds")

    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="events", verbose_name=_("finding")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("finding event")
        verbose_name_plural = _("finding events")

    def __str__(self) -> str:
        return f"{self.finding_id} {self.kind}"


class NationalList(TimeStampedModel):
    """A national recipient list (PBI-APBN, PKH, BPNT, BSP) for one year, as NIKs."""

    Kind = NationalListKind

    kind = models.CharField(_("list"), max_length=10, choices=NationalListKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    imported_by = OptionalUserLink(_("imported by"))

    class Meta:
        ordering = ["-year", "kind"]
        verbose_name = _("national recipient list")
        verbose_name_plural = _("national recipient lists")
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="nationallist_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(kind__in=NationalListKind.values),
                name="nationallist_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}"


class NationalListEntry(models.Model):
    """One recipient of a national list; `kk` and the name may be missing from the file."""

    national_list = models.ForeignKey(
        NationalList, on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    nik = models.CharField(_("NIK"), max_length=16)
    kk = models.CharField(_("No. KK"), max_length=16, blank=True)
    name_normalized = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("national list entry")
        verbose_name_plural = _("national list entries")
        indexes = [
            models.Index(fields=["national_list", "nik"], name="nationalentry_list_nik_idx"),
            models.Index(fields=["nik"], name="nationalentry_nik_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.national_list_id}: ****{self.nik[-4:]}"


class ExclusivePair(models.Model):
    """Two programmes (or a programme and a national list) one may not hold in one year.

    Pairs declared on the programme itself (`Programme.excludes`) count as well.
    """

    programme = Link("programs.Programme", _("programme"), on_delete=models.CASCADE)
    other_programme = OptionalLink(
        "programs.Programme", _("excludes programme"), on_delete=models.CASCADE
    )
    national_list = models.CharField(
        _("excludes national list"), max_length=10, choices=NationalListKind.choices, blank=True
    )
    note = models.CharField(_("basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exclusive pair")
        verbose_name_plural = _("exclusive pairs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(other_programme__isnull=False, national_list="")
                | models.Q(other_programme__isnull=True, national_list__in=NationalListKind.values),
                name="exclusivepair_one_other",
            ),
            models.CheckConstraint(
                condition=~models.Q(other_programme=models.F("programme")),
                name="exclusivepair_not_self",
            ),
            models.UniqueConstraint(
                fields=["programme", "other_programme"],
                condition=models.Q(other_programme__isnull=False),
                name="exclusivepair_unique_programmes",
            ),
            models.UniqueConstraint(
                fields=["programme", "national_list"],
                condition=~models.Q(national_list=""),
                name="exclusivepair_unique_list",
            ),
        ]

    def __str__(self) -> str:
        other = self.other_programme or self.get_national_list_display()
        return f"{self.programme} / {other}"


DEFAULT_HOUSEHOLD_CAP = Decimal(30_000_000)
HOUSEHOLD_CAP_DIGITS = 14


class OverlapSettings(models.Model):
    """The city's settings for overlap detection: one row (pk 1)."""

    household_year_cap = models.DecimalField(
        _("household benefit cap per year (Rp)"),
        max_digits=HOUSEHOLD_CAP_DIGITS,
        decimal_places=0,
        default=DEFAULT_HOUSEHOLD_CAP,
    )

    class Meta:
        verbose_name = _("overlap settings")
        verbose_name_plural = _("overlap settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="overlapsettings_singleton"),
            models.CheckConstraint(
                condition=models.Q(household_year_cap__gt=0), name="overlapsettings_cap_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"cap {rupiah(self.household_year_cap)}"


class DeathBenefitProposal(TimeStampedModel):
    """A death benefit the registry's death record suggests for an heir, waiting for the
    inputs only people can give (death certificate number, the heir in person)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    deceased = models.OneToOneField(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("deceased"),
    )
    heir = OptionalLink("registry.Person", _("proposed heir"))
    heir_relationship = models.CharField(_("heir's relationship"), max_length=10, blank=True)
    household = Link("registry.Household", _("household"))
    cycle = OptionalLink("programs.Cycle", _("cycle"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )

    class Meta:
        verbose_name = _("death benefit proposal")
        verbose_name_plural = _("death benefit proposals")

    def __str__(self) -> str:
        return f"santunan kematian {self.deceased_id}"
