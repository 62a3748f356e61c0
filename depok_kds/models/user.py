from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person (or an API client's service identity) who uses the system.

    Scope is stored as codes, not foreign keys, so the platform depends on no domain app:
    `kelurahan_codes` holds Kemendagri kelurahan codes (e.g. 32.76.01.1006) for Puskesos
    officers; `agency_code` the owning agency (e.g. DINKES) for agency officers.
    """

    kelurahan_codes = ArrayField(
        models.CharField(max_length=13), default=list, blank=True, verbose_name=_("kelurahan")
    )
    agency_code = models.CharField(_("agency"), max_length=20, blank=True)
    failed_login_count = models.PositiveSmallIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("view_full_pii", _("Can view and export full NIK and KK numbers")),
            ("view_aggregates", _("Can view aggregate dashboards")),
        ]
