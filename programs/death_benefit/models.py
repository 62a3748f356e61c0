from django.db import models
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import Link


class HeirRelationship(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other heir")


class DeathBenefitDetail(models.Model):
    """The deceased, the death certificate and the heir's relationship to them."""

    application = models.OneToOneField(
        "programs.Application", on_delete=models.CASCADE, related_name="death_benefit_detail"
    )
    deceased = Link("registry.Person", _("deceased"))
    death_certificate_number = models.CharField(_("death certificate number"), max_length=40)
    heir_relationship = models.CharField(
        _("heir's relationship"), max_length=10, choices=HeirRelationship.choices
    )
    applied_in_person = models.BooleanField(_("the heir applied in person"))

    class Meta:
        verbose_name = _("death benefit detail")

    def __str__(self) -> str:
        return f"death_benefit #{self.application_id}"
