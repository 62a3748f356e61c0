from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OverlapConfig(AppConfig):
    name = "programs.overlap"
    label = "overlap"
    verbose_name = _("Overlap detection")

    def ready(self) -> None:
        # Hooks are registered here, not imported by the apps they hook into: the registry
        # must not import programmes (it calls `life_events_notify` and whoever listens
        # acts), and the programme core knows its approval gates only as callables.
        from programs.overlap import tasks  # noqa: F401 - registers the detection job
        from programs.overlap.life_events import life_event_handle
        from programs.overlap.selectors import paired_programme_ids
        from programs.overlap.services import finding_gate
        from programs.services import approval_gate_register, exclusion_source_register
        from registry.life_events import life_event_handler_register

        approval_gate_register(finding_gate)
        exclusion_source_register(paired_programme_ids)
        life_event_handler_register(life_event_handle)
