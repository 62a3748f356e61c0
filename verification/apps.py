from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Verification")

    def ready(self) -> None:
        # Registered here, not at import of a module: ready() runs once in every process
        # (web, worker, shell, tests) after all models are loaded, so the programme core's
        # application_approve always has the gate, whichever entry point started the process.
        from programs.services import (
            approval_gate_register,
            participant_source_register,
            rejection_hook_register,
            verification_start_hook_register,
        )
        from programs.transition.services import exit_hold_source_register
        from verification import tasks  # noqa: F401 - registers the jobs and beat tasks
        from verification.gate import (
            approval_gate,
            checks_open_on_verification_start,
            verifiers,
            visits_cancel_on_rejection,
        )
        from verification.selectors import objections_open

        approval_gate_register(approval_gate)
        participant_source_register(verifiers)
        verification_start_hook_register(checks_open_on_verification_start)
        rejection_hook_register(visits_cancel_on_rejection)
        exit_hold_source_register(objections_open)
