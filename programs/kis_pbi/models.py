from django.db import models
from django.utils.translation import gettext_lazy as _


class JknSegment(models.TextChoices):
    NONE = "none", _("Not a JKN member")
    PBPU = "pbpu", _("Self-paying (PBPU)")
    PPU = "ppu", _("Wage earner (PPU)")
    PBI_APBN = "pbi_apbn", _("PBI-APBN (national)")
    PBI_APBD = "pbi_apbd", _("PBI-APBD (city)")


class KisPbiDetail(models.Model):
    """The JKN segment BPJS reports for the person: one NIK holds one segment."""

    application = models.OneToOneField(
        "programs.Application", on_delete=models.CASCADE, related_name="kis_pbi_detail"
    )
    jkn_segment = models.CharField(
        _("current JKN segment"), max_length=10, choices=JknSegment.choices
    )
    faskes = models.CharField(_("first-level health facility"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("KIS PBI detail")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(jkn_segment__in=JknSegment.values), name="kispbi_segment_valid"
            )
        ]

    def __str__(self) -> str:
        return f"kis_pbi #{self.application_id}"
