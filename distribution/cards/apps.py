from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CardsConfig(AppConfig):
    name = "distribution.cards"
    label = "cards"
    verbose_name = _("KDS cards")

    def ready(self) -> None:
        # The registry must not import this app: it calls its hooks and whoever listens acts.
        from distribution.cards import tasks  # noqa: F401 - registers the print job
        from distribution.cards.hooks import household_split_handle, life_event_handle
        from distribution.cards.selectors import household_ids_by_number
        from registry.household_hooks import split_handler_register
        from registry.life_events import life_event_handler_register
        from registry.selectors import number_resolver_register

        life_event_handler_register(life_event_handle)
        split_handler_register(household_split_handle)
        number_resolver_register(household_ids_by_number)
