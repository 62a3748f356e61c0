from django.db import models
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import OptionalLink


class FoodAidDetail(models.Model):
    """Where the package is collected, and who may collect it (a member of the same KK)."""

    application = models.OneToOneField(
        "programs.Application", on_delete=models.CASCADE, related_name="food_aid_detail"
    )
    outlet = models.CharField(_("food outlet (gerai pangan)"), max_length=120)
    collector = OptionalLink("registry.Person", _("collected by (same KK)"))

    class Meta:
        verbose_name = _("food aid detail")

    def __str__(self) -> str:
        return f"food_aid #{self.application_id}"
