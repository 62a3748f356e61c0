from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RtlhConfig(AppConfig):
    name = "programs.rtlh"
    label = "rtlh"
    verbose_name = _("RTLH house rehabilitation")

    def ready(self) -> None:
        from programs.kinds import kind_register
        from programs.rtlh.rules import Rtlh

        kind_register(Rtlh())
