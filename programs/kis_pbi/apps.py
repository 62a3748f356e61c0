from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KisPbiConfig(AppConfig):
    name = "programs.kis_pbi"
    label = "kis_pbi"
    verbose_name = _("KIS PBI-APBD")

    def ready(self) -> None:
        from programs.kinds import kind_register
        from programs.kis_pbi.rules import KisPbi

        kind_register(KisPbi())
