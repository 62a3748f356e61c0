from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisabilityAidConfig(AppConfig):
    name = "programs.disability_aid"
    label = "disability_aid"
    verbose_name = _("Disability aids")

    def ready(self) -> None:
        from programs.disability_aid.rules import DisabilityAid
        from programs.kinds import kind_register

        kind_register(DisabilityAid())
