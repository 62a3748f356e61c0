from django.db import models
from django.utils.translation import gettext_lazy as _


class Device(models.TextChoices):
    WHEELCHAIR = "wheelchair", _("Wheelchair")
    HEARING_AID = "hearing_aid", _("Hearing aid")
    CANE = "cane", _("Cane")
    CRUTCHES = "crutches", _("Crutches")
    WALKER = "walker", _("Walker")
    OTHER = "other", _("Other device")


class DisabilityAidDetail(models.Model):
    application = models.OneToOneField(
        "programs.Application", on_delete=models.CASCADE, related_name="disability_aid_detail"
    )
    device = models.CharField(_("device"), max_length=12, choices=Device.choices)
    received_via_csr = models.BooleanField(_("already received through CSR"))

    class Meta:
        verbose_name = _("disability aid detail")

    def __str__(self) -> str:
        return f"disability_aid #{self.application_id}"
