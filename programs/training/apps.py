from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "programs.training"
    label = "training"
    verbose_name = _("Skills training")

    def ready(self) -> None:
        from programs.kinds import kind_register
        from programs.training.rules import Training

        kind_register(Training())
