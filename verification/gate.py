"""The approval gate: an application is approved only when all its required checks passed.

Registered with `programs.services.approval_gate_register` from `VerificationConfig.ready()`;
the programme core calls it inside `application_approve`, so every path to approval (portal,
API, admin, import) passes through it without the core knowing this app.
"""

from __future__ import annotations

from django.utils.translation import gettext

from depok_kds.models import User
from programs.models import Application
from verification.identity import identity_status
from verification.models import Check, CheckKind
from verification.selectors import policy_for
from verification.services.checks import checks_open
from verification.services.visits import visits_cancel


def approval_gate(application: Application) -> str | None:
    """A refusal naming every required check that is missing or has not passed, or None."""
    policy = policy_for(application)
    if policy is None:
        return None
    checks = {c.kind: c for c in Check.objects.filter(application=application)}
    problems: list[str] = []
    for kind in policy.checks:
        label = str(CheckKind(kind).label)
        check = checks.get(kind)
        if kind == CheckKind.IDENTITY:
            status, note = identity_status(application.person_id)
            if status in (Check.Status.PASSED, Check.Status.NOT_AVAILABLE):
                continue
            problems.append(f"{label}: {note}")
        elif check is None:
            problems.append(gettext("%(check)s is missing") % {"check": label})
        elif check.status == Check.Status.FAILED:
            problems.append(gettext("%(check)s failed") % {"check": label})
        elif check.status != Check.Status.PASSED:
            problems.append(
                gettext("%(check)s is %(status)s")
                % {"check": label, "status": check.get_status_display()}
            )
    if not problems:
        return None
    return gettext("Verification incomplete: %(problems)s.") % {"problems": "; ".join(problems)}


def checks_open_on_verification_start(application: Application, actor: User | None) -> None:
    """Open the programme's required checks as soon as the application enters verification.

    Opened by the system on the decider's behalf (the programme's event row records who
    started verification): the decider may be an agency officer without the right to open
    the Dinsos poverty check themselves.
    """
    if policy_for(application) is not None:
        checks_open(actor=None, application_id=application.pk)


def visits_cancel_on_rejection(application: Application, actor: User | None) -> None:
    """A rejected application needs no more visits: those still assigned are cancelled, or
    they would stay overdue on the officer's list with no verdict they could record."""
    visits_cancel(actor=actor, application_id=application.pk)
