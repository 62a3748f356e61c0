from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programmes")

    def ready(self) -> None:
        # The registry's Dukcapil outcomes are limited, for an agency-scoped caller, to the
        # persons its programmes work with; the registry may not import programmes, so the
        # programme core registers that source here, once in every process.
        from programs.selectors import agency_persons
        from registry.dukcapil.selectors import agency_persons_register

        agency_persons_register(agency_persons)
        # Registered here so that every process (web, worker, tests) knows the import job.
        from programs import tasks  # noqa: F401
