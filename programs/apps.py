from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programmes")

    def ready(self) -> None:
        # Registered here so that every process (web, worker, tests) knows the import job.
        from programs import tasks  # noqa: F401
