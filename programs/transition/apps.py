from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransitionConfig(AppConfig):
    name = "programs.transition"
    label = "transition"
    verbose_name = _("DTSEN transition")

    def ready(self) -> None:
        # The registry calls `quarter_imported_notify` after a desil import and knows
        # nothing of programmes; this app listens and computes the quarter's impact.
        from programs.transition import tasks
        from registry.dtsen import quarter_imported_handler_register

        quarter_imported_handler_register(tasks.impact_on_import)
