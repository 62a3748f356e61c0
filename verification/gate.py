"""The approval gate: an application is approved only when all its required checks passed.

Registered with `programs.services.approval_gate_register` from `VerificationConfig.ready()`;
the programme core calls it inside `application_approve`, so every path to approval (portal,
API, admin, import) passes through it without the core knowing this app.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from django.utils.translation import gettext

from depok_kds.models import User
from programs.kinds import Candidate
from programs.models import Application
from verification.identity import identity_status
from verification.models import Check, CheckKind, Policy, Verdict
from verification.selectors import policy_for
from verification.services.checks import checks_open
from verification.services.visits import visits_cancel


def _problems(policy: Policy, checks: Mapping[str, Check], candidate: Candidate) -> list[str]:
    """What keeps one candidate's required checks from passing."""
    problems: list[str] = []
    for kind in policy.checks:
        label = str(CheckKind(kind).label)
        check = checks.get(kind)
        if kind == CheckKind.IDENTITY:
            if candidate.application_id is None and problems:
                continue  # a list row without its other checks: refused already, no lookup
            status, note = identity_status(candidate.person.pk)
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
    return problems


def approval_gate(candidates: Sequence[Candidate]) -> list[str | None]:
    """A refusal per candidate naming every required check that is missing or has not
    passed, or None. A programme with no verification policy approves nothing: only a
    policy that lists no checks says that none is needed (missing configuration fails
    closed). A row of an import has no application, hence no checks of its own."""
    programme_ids = {c.programme.pk for c in candidates}
    policies = {p.programme_id: p for p in Policy.objects.filter(programme_id__in=programme_ids)}
    application_ids = [c.application_id for c in candidates if c.application_id is not None]
    checks: defaultdict[int, dict[str, Check]] = defaultdict(dict)
    for check in Check.objects.filter(application_id__in=application_ids):
        checks[check.application_id][check.kind] = check
    refusals: list[str | None] = []
    for candidate in candidates:
        policy = policies.get(candidate.programme.pk)
        if policy is None:
            refusals.append(
                gettext(
                    "%(programme)s has no verification policy: set one (or say that no check "
                    "is needed) before anything is approved."
                )
                % {"programme": candidate.programme.name}
            )
            continue
        found = checks.get(candidate.application_id or 0, {})
        problems = _problems(policy, found, candidate)
        refusals.append(
            gettext("Verification incomplete: %(problems)s.") % {"problems": "; ".join(problems)}
            if problems
            else None
        )
    return refusals


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


def verifiers(application: Application) -> list[int]:
    """Users who recorded a verdict on the application's checks (they may not approve it)."""
    return list(
        Verdict.objects.filter(check_row__application=application, decided_by__isnull=False)
        .values_list("decided_by_id", flat=True)
        .distinct()
    )
