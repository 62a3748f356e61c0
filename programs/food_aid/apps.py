from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FoodAidConfig(AppConfig):
    name = "programs.food_aid"
    label = "food_aid"
    verbose_name = _("City food aid")

    def ready(self) -> None:
        from programs.food_aid.rules import FoodAid
        from programs.kinds import kind_register

        kind_register(FoodAid())
