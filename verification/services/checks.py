"""Dual verification: opening an application's checks, verdicts, blind mode, resolutions.

Rules enforced here:
- one verdict per check (a one-to-one row, and a refusal before it is tried);
- a verifier of the wrong agency or kelurahan is refused (403);
- one person never decides both human checks of one application (four eyes);
- without blind mode a failed check rejects the application at once, with its reason;
- in blind mode nothing happens until both human checks are decided: agreement settles
  them, a disagreement opens a `Resolution` for a Dinsos supervisor.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from depok_kds.access import scope_for, scope_queryset
from depok_kds.audit import audit_record, recorded_user
from depok_kds.errors import Conflict, DomainError, Forbidden
from programs.models import Application, ApplicationState
from programs.services import application_reject
from registry.services.common import Actor
from verification.identity import identity_status
from verification.models import (
    HUMAN_CHECKS,
    POVERTY_AGENCY,
    Check,
    CheckKind,
    FieldVisit,
    Resolution,
    Verdict,
)
from verification.selectors import policy_for
from verification.services.access import perm_check, verifier_check

S = ApplicationState


def visit_due_days() -> int:
    return int(getattr(settings, "KDS_VISIT_DUE_DAYS", 7))


def _application_in_scope(actor: Actor, application: Application) -> None:
    if actor is None:
        return
    visible = scope_queryset(
        Application.objects.filter(pk=application.pk),
        user=actor,
        kelurahan_field="kelurahan_code",
        agency_field="programme__agency__code",
    )
    if not visible.exists():
        raise Forbidden(_("This application is outside your scope."))


@transaction.atomic
def checks_open(*, actor: Actor, application_id: int) -> list[Check]:
    """Create the checks the programme's policy requires (idempotent), with the poverty
    check's field visit for the kelurahan's Puskesos, and the identity check's status."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("programme__agency", "person")
        .get(pk=application_id)
    )
    perm_check(actor, "verification.decide_check")
    _application_in_scope(actor, application)
    if application.state not in (S.SUBMITTED, S.IN_VERIFICATION):
        raise Conflict(
            _("Checks are opened for submitted applications or those in verification."),
            code="wrong_state",
        )
    policy = policy_for(application)
    if policy is None:
        raise DomainError(_("This programme declares no checks."), code="no_policy")
    agencies = {
        CheckKind.POVERTY: POVERTY_AGENCY,
        CheckKind.TECHNICAL: application.programme.agency.code,
        CheckKind.IDENTITY: "",
    }
    Check.objects.bulk_create(
        [
            Check(
                application=application,
                kind=kind,
                agency_code=agencies[CheckKind(kind)],
                kelurahan_code=application.kelurahan_code,
            )
            for kind in policy.checks
        ],
        ignore_conflicts=True,
    )
    checks = list(Check.objects.filter(application=application).select_for_update())
    for check in checks:
        if check.kind == CheckKind.POVERTY and application.household_id is None:
            raise DomainError(_("The applicant belongs to no household to visit."))
        if (
            check.kind == CheckKind.POVERTY
            and not FieldVisit.objects.filter(check_row=check).exists()
        ):
            FieldVisit.objects.create(
                household_id=application.household_id or 0,
                kelurahan_code=application.kelurahan_code,
                purpose=FieldVisit.Purpose.VERIFICATION,
                check_row=check,
                due_on=timezone.localdate() + timedelta(days=visit_due_days()),
            )
        if check.kind == CheckKind.IDENTITY and check.status in (
            Check.Status.PENDING,
            Check.Status.NOT_AVAILABLE,
        ):
            _identity_apply(check, application)
    audit_record(
        actor=actor,
        action="verification.checks_open",
        target=application,
        after={"checks": [c.kind for c in checks]},
    )
    return checks


def _identity_apply(check: Check, application: Application) -> None:
    status, note = identity_status(application.person_id)
    if status != check.status or note != check.note:
        check.status, check.note = status, note[:255]
        check.save(update_fields=["status", "note", "updated_at"])
    if status == Check.Status.FAILED and application.state in (S.SUBMITTED, S.IN_VERIFICATION):
        _reject(application, check, note)


@transaction.atomic
def identity_refresh(*, actor: Actor, application_id: int) -> Check:
    """Read the person's latest Dukcapil matching outcome into the identity check."""
    perm_check(actor, "verification.decide_check")
    check = (
        Check.objects.select_for_update(of=("self",))
        .select_related("application")
        .filter(application_id=application_id, kind=CheckKind.IDENTITY)
        .first()
    )
    if check is None:
        raise DomainError(
            _(
                "This application has no identity check: its checks open when it enters "
                "verification, and only programmes that ask for one have it."
            ),
            code="no_identity_check",
        )
    _application_in_scope(actor, check.application)
    _identity_apply(check, check.application)
    return check


def _reject(application: Application, check: Check, reason: str) -> None:
    """Reject through the programme core; the system acts (the verifier may not decide)."""
    application_reject(
        actor=None,
        application_id=application.pk,
        reason=gettext("%(check)s failed: %(reason)s")
        % {"check": check.get_kind_display(), "reason": reason},
    )


def _four_eyes(actor: Actor, check: Check) -> None:
    if actor is None or not actor.is_authenticated or check.kind not in HUMAN_CHECKS:
        return
    if Verdict.objects.filter(
        check_row__application_id=check.application_id,
        check_row__kind__in=HUMAN_CHECKS,
        decided_by_id=actor.pk,
    ).exists():
        raise Forbidden(
            _(
                "You decided the other check of this application; "
                "a second officer must decide this one."
            ),
            code="same_verifier",
        )


def verdict_allowed(*, actor: Actor, check: Check) -> bool:
    """Whether `actor` could record this check's verdict now: the page offers the form only
    then (the same rules as `verdict_record`, asked before instead of refused after)."""
    if check.kind not in HUMAN_CHECKS or check.status != Check.Status.PENDING:
        return False
    if check.application.state != S.IN_VERIFICATION:
        return False
    try:
        verifier_check(actor, check)
        _four_eyes(actor, check)
    except Forbidden:
        return False
    return True


def evidence_allowed(*, actor: Actor, check: Check) -> bool:
    """Whether `actor` may add a file to this check: its verifiers may, before and after the
    verdict (a photo taken on the day often arrives later)."""
    if check.kind not in HUMAN_CHECKS:
        return False
    try:
        verifier_check(actor, check)
    except Forbidden:
        return False
    return True


@transaction.atomic
def verdict_record(
    *,
    actor: Actor,
    check_id: int,
    passed: bool,
    reason: str,
    findings: Mapping[str, object] | None = None,
) -> Verdict:
    """Record the one verdict of a check, then settle the application (see module doc)."""
    # The application is locked first: two verifiers of one application settle it one after
    # the other, each seeing the other's verdict (blind mode, four eyes).
    application_id = Check.objects.filter(pk=check_id).values_list("application_id").first()
    if application_id is not None:
        Application.objects.select_for_update(of=("self",)).filter(pk=application_id[0]).first()
    check = (
        Check.objects.select_for_update(of=("self",))
        .select_related("application__programme__agency")
        .get(pk=check_id)
    )
    verifier_check(actor, check)
    if check.kind == CheckKind.IDENTITY:
        raise DomainError(
            _("The identity check is decided by Dukcapil matching, not by hand."),
            code="automatic_check",
        )
    if check.status != Check.Status.PENDING or Verdict.objects.filter(check_row=check).exists():
        raise Conflict(_("This check already has a verdict."), code="already_decided")
    application = check.application
    if application.state != S.IN_VERIFICATION:
        raise Conflict(
            _("Verdicts are recorded while the application is in verification."),
            code="wrong_state",
        )
    if not reason.strip():
        raise DomainError(_("A verdict needs a reason."), code="reason_required")
    _four_eyes(actor, check)
    agency = scope_for(actor).agency_code if actor is not None else None
    try:
        with transaction.atomic():
            verdict = Verdict.objects.create(
                check_row=check,
                passed=passed,
                reason=reason.strip(),
                findings=dict(findings or {}),
                agency_code=agency or check.agency_code,
                decided_by=recorded_user(actor),
            )
    except IntegrityError as exc:
        raise Conflict(_("This check already has a verdict."), code="already_decided") from exc
    check.status = Check.Status.PASSED if passed else Check.Status.FAILED
    check.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="verification.verdict_record",
        target=check,
        after={"passed": passed, "reason": verdict.reason, "findings": verdict.findings},
    )
    _settle(application, check, verdict)
    return verdict


def _settle(application: Application, check: Check, verdict: Verdict) -> None:
    policy = policy_for(application)
    human = list(
        Check.objects.filter(application=application, kind__in=HUMAN_CHECKS).select_related(
            "verdict"
        )
    )
    if policy is None or not policy.blind_between(len(human)):
        if not verdict.passed:
            _reject(application, check, verdict.reason)
        return
    decided = [c for c in human if hasattr(c, "verdict")]
    if len(decided) < len(human):
        return  # blind: wait for the other verifier
    outcomes = {c.verdict.passed for c in decided}
    if outcomes == {True}:
        return
    if outcomes == {False}:
        _reject(application, check, verdict.reason)
        return
    Check.objects.filter(pk__in=[c.pk for c in human]).update(
        status=Check.Status.DISPUTED, updated_at=timezone.now()
    )
    Resolution.objects.get_or_create(application=application)


@transaction.atomic
def disagreement_resolve(
    *, actor: Actor, resolution_id: int, passed: bool, reason: str
) -> Resolution:
    """A Dinsos supervisor settles two disagreeing verdicts: the checks pass, or they fail
    and the application is rejected with the supervisor's reason."""
    resolution = (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("application")
        .get(pk=resolution_id)
    )
    perm_check(actor, "verification.resolve_disagreement")
    if resolution.status != Resolution.Status.OPEN:
        raise Conflict(_("This disagreement is already resolved."), code="already_resolved")
    if not reason.strip():
        raise DomainError(
            _("A resolution needs a reason."), code="reason_required", details={"field": "reason"}
        )
    disputed = Check.objects.filter(
        application=resolution.application, status=Check.Status.DISPUTED
    )
    note = gettext("Resolved by a supervisor: %(reason)s") % {"reason": reason.strip()}
    disputed.update(
        status=Check.Status.PASSED if passed else Check.Status.FAILED,
        note=note[:255],
        updated_at=timezone.now(),
    )
    resolution.status = Resolution.Status.RESOLVED
    resolution.passed = passed
    resolution.reason = reason.strip()
    resolution.resolved_by = recorded_user(actor)
    resolution.resolved_at = timezone.now()
    resolution.save()
    audit_record(
        actor=actor,
        action="verification.disagreement_resolve",
        target=resolution,
        after={"passed": passed, "reason": resolution.reason},
    )
    if not passed and resolution.application.state == S.IN_VERIFICATION:
        application_reject(
            actor=None,
            application_id=resolution.application_id,
            reason=gettext("Verification failed after review: %(reason)s")
            % {"reason": resolution.reason},
        )
    return resolution
