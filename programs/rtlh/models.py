from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

# Rp23,000,000 per house, split as the rehabilitation guideline (Perwal 60/2023) does.
MATERIALS = Decimal(20_000_000)  # transferred to the partner building-material shop
LABOUR = Decimal(2_800_000)
REPORT = Decimal(200_000)  # the accountability report (LPJ)


class RtlhDetail(models.Model):
    """The house and the owner's undertakings checked for RTLH aid."""

    application = models.OneToOneField(
        "programs.Application", on_delete=models.CASCADE, related_name="rtlh_detail"
    )
    owner_first_house = models.BooleanField(_("the owner's first house"))
    land_and_building_in_owner_name = models.BooleanField(
        _("land and building in the owner's name")
    )
    in_dispute = models.BooleanField(_("land or building in dispute"))
    damage_from_disaster = models.BooleanField(_("damage caused by a disaster"))
    no_sale_within_three_years = models.BooleanField(
        _("owner undertakes not to sell within 3 years")
    )
    roof_damaged = models.BooleanField(_("roof damaged"), default=False)
    floor_damaged = models.BooleanField(_("floor damaged"), default=False)
    walls_damaged = models.BooleanField(_("walls damaged"), default=False)
    priority = models.PositiveSmallIntegerField(_("priority (roof, floor, walls)"), default=0)
    partner_shop = models.CharField(_("partner building-material shop"), max_length=150)
    materials_amount = models.DecimalField(
        _("materials (to the shop)"), max_digits=12, decimal_places=0, default=MATERIALS
    )
    labour_amount = models.DecimalField(
        _("labour"), max_digits=12, decimal_places=0, default=LABOUR
    )
    report_amount = models.DecimalField(
        _("accountability report"), max_digits=12, decimal_places=0, default=REPORT
    )

    class Meta:
        verbose_name = _("RTLH detail")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    materials_amount=MATERIALS, labour_amount=LABOUR, report_amount=REPORT
                ),
                name="rtlh_amount_split",
            )
        ]

    def __str__(self) -> str:
        return f"rtlh #{self.application_id}"
