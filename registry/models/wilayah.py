from django.db import models
from django.utils.translation import gettext_lazy as _


class Kecamatan(models.Model):
    """A kecamatan of Kota Depok, keyed by its Kemendagri code ("32.76.01")."""

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")

    def __str__(self) -> str:
        return self.name


class Kelurahan(models.Model):
    """A kelurahan, keyed by its Kemendagri code ("32.76.01.1006"): names repeat, codes do not."""

    code = models.CharField(_("code"), max_length=13, primary_key=True)
    kecamatan = models.ForeignKey(
        Kecamatan,
        on_delete=models.PROTECT,
        related_name="kelurahan_set",
        verbose_name=_("kecamatan"),
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kelurahan")
        verbose_name_plural = _("kelurahan")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^32\.76\.[0-9]{2}\.[0-9]{4}$"),
                name="kelurahan_code_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name
