from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeathBenefitConfig(AppConfig):
    name = "programs.death_benefit"
    label = "death_benefit"
    verbose_name = _("Death benefit")

    def ready(self) -> None:
        from programs.death_benefit.rules import DeathBenefit
        from programs.kinds import kind_register

        kind_register(DeathBenefit())
