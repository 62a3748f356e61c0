from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepokKdsConfig(AppConfig):
    name = "depok_kds"
    verbose_name = _("Platform")
