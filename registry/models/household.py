from django.db import models
from django.db.models.functions import Cast, Concat, Greatest, Length, LPad
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import OptionalLink
from depok_kds.models import ActedEvent, TimeStampedModel
from registry.models.wilayah import Kelurahan

RT_RW_MAX = 999

# The id padded to at least 7 digits and never cut (LPAD cuts a longer text to its length):
# KDS-0000123, KDS-12345678. "KDS-" and the 19 digits of the largest bigint fit.
_ID_TEXT = Cast("id", models.TextField())
REGISTRY_DIGITS = LPad(_ID_TEXT, Greatest(models.Value(7), Length(_ID_TEXT)), models.Value("0"))
REGISTRY_NUMBER_LENGTH = 23


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISSOLVED = "dissolved", _("Dissolved")


class PovertyClass(models.TextChoices):
    MISKIN = "miskin", _("Poor")
    RENTAN = "rentan", _("Vulnerable")
    TIDAK_MISKIN = "tidak_miskin", _("Not poor")


class Household(TimeStampedModel):
    """One family unit at one address, with its own stable id.

    The No. KK is not the identity: it changes on a move, a split or the head's death, so it
    lives in `FamilyCard` as a dated history. `poverty_class`, `poverty_score`, `assessed_on`,
    `desil` and `desil_period` are copies of the latest assessment and DTSEN ranking, kept by
    the services that record those, so that city-wide filters need no join.
    """

    # Defined at module level so that Meta's check constraints can name their values.
    Status = HouseholdStatus
    PovertyClass = PovertyClass

    registry_number = models.GeneratedField(
        expression=Concat(models.Value("KDS-"), REGISTRY_DIGITS),
        output_field=models.CharField(max_length=REGISTRY_NUMBER_LENGTH),
        db_persist=True,
        verbose_name=_("registry number"),
    )
    kelurahan = models.ForeignKey(
        Kelurahan,
        on_delete=models.PROTECT,
        to_field="code",
        db_column="kelurahan_code",
        related_name="households",
        verbose_name=_("kelurahan"),
        db_index=False,  # covered by household_wilayah_idx
    )
    rw = models.PositiveSmallIntegerField(_("RW"))
    rt = models.PositiveSmallIntegerField(_("RT"))
    address = models.CharField(_("street address"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    head = OptionalLink("registry.Person", _("head of household"), on_delete=models.SET_NULL)
    poverty_class = models.CharField(
        _("poverty class"), max_length=12, choices=PovertyClass.choices, blank=True
    )
    poverty_score = models.DecimalField(
        _("poverty score"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    desil = models.PositiveSmallIntegerField(_("DTSEN desil"), null=True, blank=True)
    desil_period = models.CharField(_("desil period"), max_length=6, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["registry_number"], name="household_registry_number"),
            models.CheckConstraint(
                condition=models.Q(rw__gte=1, rw__lte=RT_RW_MAX), name="household_rw_range"
            ),
            models.CheckConstraint(
                condition=models.Q(rt__gte=1, rt__lte=RT_RW_MAX), name="household_rt_range"
            ),
            models.CheckConstraint(
                condition=models.Q(desil__isnull=True) | models.Q(desil__gte=1, desil__lte=10),
                name="household_desil_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=HouseholdStatus.values), name="household_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(poverty_class__in=[*PovertyClass.values, ""]),
                name="household_poverty_class_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(desil_period="")
                | models.Q(desil_period__regex=r"^\d{4}Q[1-4]$"),
                name="household_desil_period_format",
            ),
        ]
        indexes = [
            models.Index(fields=["kelurahan", "rw", "rt"], name="household_wilayah_idx"),
            models.Index(fields=["poverty_class", "kelurahan"], name="household_class_idx"),
            models.Index(fields=["desil", "kelurahan"], name="household_desil_idx"),
        ]

    def __str__(self) -> str:
        return str(self.registry_number)


class FamilyCard(TimeStampedModel):
    """One No. KK a household held, from `valid_from` until `valid_to` (exclusive; open if null)."""

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="family_cards",
        verbose_name=_("household"),
    )
    number = models.CharField(_("No. KK"), max_length=16)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("family card (KK)")
        verbose_name_plural = _("family cards (KK)")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(valid_to__isnull=True),
                name="familycard_one_open_per_household",
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(valid_to__isnull=True),
                name="familycard_number_one_open_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(number__regex=r"^[0-9]{16}$"), name="familycard_number_format"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="familycard_valid_period",
            ),
        ]
        indexes = [models.Index(fields=["number"], name="familycard_number_idx")]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.valid_from} - {self.valid_to or ''}"


class HouseholdEvent(ActedEvent):
    """A change in a household's life, shown as its history; written only by services."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        MEMBER_ADDED = "member_added", _("Member added")
        MEMBER_REMOVED = "member_removed", _("Member removed")
        MEMBER_MOVED_OUT = "member_moved_out", _("Member moved out")
        MEMBER_MOVED_IN = "member_moved_in", _("Member moved in")
        SPLIT = "split", _("Family card split")
        HEAD_CHANGED = "head_changed", _("Head changed")
        DEATH_RECORDED = "death_recorded", _("Death recorded")
        KK_CHANGED = "kk_changed", _("No. KK changed")
        EDITED = "edited", _("Edited")
        ASSESSED = "assessed", _("Poverty assessed")

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("household"),
        db_index=False,  # covered by householdevent_history_idx
    )
    person = OptionalLink("registry.Person", _("person"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Never a full NIK or No. KK here: the history is shown to everyone who sees the household.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("household event")
        verbose_name_plural = _("household events")
        indexes = [
            models.Index(fields=["household", "-created_at"], name="householdevent_history_idx")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind}"
