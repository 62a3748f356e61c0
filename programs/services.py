"""Use cases of the programme core: cycles, applications and their transitions, enrolment.

State machine of an application (one service per transition, each checking its from-state
and writing an ApplicationEvent and an audit row):

    draft -> submitted -> in_verification -> approved | waitlisted | rejected
    waitlisted -> approved (a slot freed) | rejected
    approved -> enrolled -> exited

Approval asks every registered *approval gate* first (`approval_gate_register`): a gate is
a function `(application) -> refusal message | None`. The verification app registers its
required checks there (dual verification, Dukcapil match) and opens them when an
application enters verification (`verification_start_hook_register`), and cancels the field
visits a rejected one no longer needs (`rejection_hook_register`); the overlap app adds its
blocking findings. None of them changes these states. Those apps register in their
AppConfig.ready(), because this core must not import them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from depok_kds.access import scope_for
from depok_kds.audit import audit_record, recorded_user
from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.formatting import rupiah
from depok_kds.models import User
from programs.eligibility import Facts, Outcome, evaluate, failed
from programs.frequency import clash
from programs.kinds import Candidate, kind_for
from programs.models import (
    SLOT_STATES,
    Application,
    ApplicationEvent,
    ApplicationState,
    Cycle,
    Decree,
    DecreeEntry,
    EligibilityResult,
    Enrolment,
    Programme,
    ProgrammeRules,
)
from programs.one_per_cycle import cycle_holders, per_household
from registry.models import Person

S = ApplicationState
# A gate looks at candidates (all of one programme cycle; each with its application's id
# when it has one) and returns one refusal message or None per candidate, so that an
# approval asks it about one and an import about a whole list in one go.
Gate = Callable[[Sequence[Candidate]], "list[str | None]"]
APPROVAL_GATES: list[Gate] = []


def approval_gate_register(gate: Gate) -> None:
    """Add a check that must pass before any application is approved (see module doc)."""
    if gate not in APPROVAL_GATES:
        APPROVAL_GATES.append(gate)


def gate_refusals_many(candidates: Sequence[Candidate]) -> list[list[str]]:
    """What the registered approval gates refuse each candidate for (none: it may pass)."""
    refusals: list[list[str]] = [[] for _ in candidates]
    for gate in APPROVAL_GATES:
        for found, refusal in zip(refusals, gate(candidates), strict=True):
            if refusal:
                found.append(refusal)
    return refusals


def _gate_refusals(candidate: Candidate) -> list[str]:
    return gate_refusals_many([candidate])[0]


# A step another app runs at a transition of an application (application, actor).
ApplicationHook = Callable[[Application, "User | None"], None]
VERIFICATION_START_HOOKS: list[ApplicationHook] = []


def verification_start_hook_register(hook: ApplicationHook) -> None:
    """Add a step run when an application enters verification (the verification app opens
    the checks its programme requires), inside the same transaction."""
    if hook not in VERIFICATION_START_HOOKS:
        VERIFICATION_START_HOOKS.append(hook)


REJECTION_HOOKS: list[ApplicationHook] = []


def rejection_hook_register(hook: ApplicationHook) -> None:
    """Add a step run when an application is rejected (the verification app cancels the
    field visits still waiting for it), inside the same transaction."""
    if hook not in REJECTION_HOOKS:
        REJECTION_HOOKS.append(hook)


# Users (ids) who took part in an application besides its decider: the verification app
# adds those who recorded a verdict on its checks.
ParticipantSource = Callable[[Application], Iterable[int]]
PARTICIPANT_SOURCES: list[ParticipantSource] = []


def participant_source_register(source: ParticipantSource) -> None:
    """Add a source of users who took part in an application (see `four_eyes_check`)."""
    if source not in PARTICIPANT_SOURCES:
        PARTICIPANT_SOURCES.append(source)


def four_eyes_check(*, actor: User | None, application: Application) -> None:
    """Who proposed or verified an application cannot approve it (unless its programme
    turned four eyes off)."""
    if actor is None or not application.programme.four_eyes:
        return
    proposers = set(
        ApplicationEvent.objects.filter(
            application=application, to_state__in=[S.DRAFT, S.SUBMITTED], actor__isnull=False
        ).values_list("actor_id", flat=True)
    )
    if application.submitted_by_id is not None:
        proposers.add(application.submitted_by_id)
    if actor.pk in proposers:
        raise Forbidden(
            _("You proposed this application; another officer must decide on it."),
            code="four_eyes",
        )
    for source in PARTICIPANT_SOURCES:
        if actor.pk in set(source(application)):
            raise Forbidden(
                _("You verified this application; another officer must decide on it."),
                code="four_eyes",
            )


ExclusionSource = Callable[[Programme], Iterable[int]]
EXCLUSION_SOURCES: list[ExclusionSource] = []


def exclusion_source_register(source: ExclusionSource) -> None:
    """Add a source of programmes a programme excludes besides its own `excludes` (the
    overlap app's configured exclusive pairs)."""
    if source not in EXCLUSION_SOURCES:
        EXCLUSION_SOURCES.append(source)


def excluded_programme_ids(programme: Programme) -> set[int]:
    """The programmes one may not hold in the same year as `programme`."""
    ids = set(programme.excludes.values_list("pk", flat=True))
    for source in EXCLUSION_SOURCES:
        ids.update(source(programme))
    return ids


# --- access ------------------------------------------------------------------------------


def _agency_check(*, actor: User | None, programme: Programme) -> None:
    """An agency officer acts only on their own agency's programmes; Dinsos on all."""
    if actor is None:
        return
    scope = scope_for(actor)
    if not scope.rows:
        raise Forbidden(_("You may not act on this programme."))
    if scope.agency_code is not None and scope.agency_code != programme.agency.code:
        raise Forbidden(
            _("Only officers of %(agency)s may decide on %(programme)s.")
            % {"agency": programme.agency.short_name, "programme": programme.name},
            code="other_agency",
        )


def decider_check(*, actor: User | None, programme: Programme) -> None:
    if actor is not None and not actor.has_perm("programs.decide_application"):
        raise Forbidden(_("You may not decide on applications."))
    _agency_check(actor=actor, programme=programme)


def _kelurahan_check(*, actor: User | None, kelurahan_code: str) -> None:
    if actor is None:
        return
    scope = scope_for(actor)
    if scope.kelurahan_codes is not None and kelurahan_code not in scope.kelurahan_codes:
        raise Forbidden(_("This household is outside your kelurahan."))


# --- cycles ------------------------------------------------------------------------------


def amount_check(*, programme: Programme, amount: Decimal) -> None:
    if not programme.amount_min <= amount <= programme.amount_max:
        raise DomainError(
            _("The amount %(amount)s is outside this programme's limits (%(low)s-%(high)s).")
            % {
                "amount": rupiah(amount),
                "low": rupiah(programme.amount_min),
                "high": rupiah(programme.amount_max),
            },
            code="amount_out_of_limits",
        )


@transaction.atomic
def cycle_open(
    *,
    actor: User | None,
    programme_id: int,
    year: int,
    tahap: int = 0,
    quota: int,
    budget: Decimal = Decimal(0),
    amount: Decimal | None = None,
    note: str = "",
) -> Cycle:
    """Open a cycle (a year, or one tahap of it) with its quota, budget and amount."""
    programme = Programme.objects.select_related("agency").get(pk=programme_id)
    _agency_check(actor=actor, programme=programme)
    if actor is not None and not actor.has_perm("programs.add_cycle"):
        raise Forbidden(_("You may not open cycles."))
    amount = programme.amount_max if amount is None else amount
    amount_check(programme=programme, amount=amount)
    if quota < 1:
        raise DomainError(
            _("The quota must be at least 1."), code="quota", details={"field": "quota"}
        )
    if Cycle.objects.filter(programme=programme, year=year, tahap=tahap).exists():
        raise Conflict(
            _("This cycle already exists."), code="duplicate_cycle", details={"field": "year"}
        )
    cycle = Cycle.objects.create(
        programme=programme,
        year=year,
        tahap=tahap,
        quota=quota,
        budget=budget,
        amount=amount,
        note=note,
    )
    audit_record(
        actor=actor,
        action="programs.cycle_open",
        target=cycle,
        after={"year": year, "tahap": tahap, "quota": quota, "amount": amount},
    )
    return cycle


# --- eligibility -------------------------------------------------------------------------


def candidate_facts(candidate: Candidate) -> Facts:
    person, household = candidate.person, candidate.household
    return Facts(
        on=candidate.on,
        birth_date=person.birth_date,
        kelurahan_code=household.kelurahan_id if household else "",
        poverty_class=household.poverty_class if household else "",
        desil=household.desil if household else None,
        disability=person.disability,
        is_deceased=person.is_deceased,
        school_level=str(candidate.detail.get("level") or person.education),
        year=candidate.cycle.year,
    )


def _unit(candidate: Candidate) -> int:
    """The beneficiary the limits count: the household for a household programme."""
    if per_household(candidate.programme) and candidate.household:
        return candidate.household.pk
    return candidate.person.pk


def _history_outcomes_many(candidates: Sequence[Candidate]) -> list[list[Outcome]]:
    """Frequency limit and excluded programmes from past enrolments, for candidates of one
    programme cycle, in one query per rule (an import asks about a whole list)."""
    first = candidates[0]
    programme, cycle = first.programme, first.cycle
    column = "household_id" if per_household(programme) else "person_id"
    units = sorted({_unit(c) for c in candidates})
    outcomes: list[list[Outcome]] = [[] for _ in candidates]
    table = Enrolment._meta.db_table
    years = programme.frequency_years
    if years:
        dates = [c.on for c in candidates]
        past: defaultdict[int, list[tuple[date, int]]] = defaultdict(list)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column}, enrolled_on, year FROM {table} "  # noqa: S608
                f"WHERE programme_id = %s AND cycle_id <> %s AND {column} = ANY(%s) "
                "AND enrolled_on > %s AND enrolled_on < %s",
                [
                    programme.pk,
                    cycle.pk,
                    units,
                    date(min(dates).year - years - 1, 1, 1),
                    date(max(dates).year + years + 1, 12, 31),
                ],
            )
            for unit, on, year in cursor.fetchall():
                past[unit].append((on, year))
        for found, candidate in zip(outcomes, candidates, strict=True):
            recent = max(
                (y for on, y in past[_unit(candidate)] if clash(on, candidate.on, years)),
                default=None,
            )
            found.append(
                Outcome(
                    "frequency",
                    recent is None,
                    gettext_noop("Not enrolled within the last %(years)s years.")
                    if recent is None
                    else gettext_noop(
                        "Already enrolled in %(year)s, within the last %(years)s years."
                    ),
                    {"years": years, "year": recent or "-"},
                )
            )
    excluded = excluded_programme_ids(programme)
    if excluded:
        clashes: dict[int, str] = {}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT ON (e.{column}) e.{column}, p.name FROM {table} e "  # noqa: S608
                f"JOIN {Programme._meta.db_table} p ON p.id = e.programme_id "
                f"WHERE e.programme_id = ANY(%s) AND e.year = %s AND e.status = %s "
                f"AND e.{column} = ANY(%s) ORDER BY e.{column}, e.id",
                [sorted(excluded), cycle.year, Enrolment.Status.ACTIVE, units],
            )
            clashes = dict(cursor.fetchall())
        for found, candidate in zip(outcomes, candidates, strict=True):
            name = clashes.get(_unit(candidate))
            found.append(
                Outcome(
                    "exclusion",
                    name is None,
                    gettext_noop("Enrolled in no programme this one excludes.")
                    if name is None
                    else gettext_noop(
                        "Already enrolled in %(programme)s, which excludes this programme."
                    ),
                    {"programme": name} if name else {},
                )
            )
    return outcomes


def candidates_evaluate(candidates: Sequence[Candidate]) -> list[list[Outcome]]:
    """Every rule for each candidate (all of one programme cycle): the declarative rules,
    history, then the programme app's. One application and an import's list both pass here."""
    if not candidates:
        return []
    programme = candidates[0].programme
    kind = kind_for(programme.kind)
    declared = [evaluate(programme.rules, candidate_facts(c)) for c in candidates]
    history = _history_outcomes_many(candidates)
    own = kind.check_many(candidates)
    return [d + h + k for d, h, k in zip(declared, history, own, strict=True)]


def candidate_evaluate(candidate: Candidate) -> list[Outcome]:
    """Every rule for one candidate (see `candidates_evaluate`)."""
    return candidates_evaluate([candidate])[0]


def _results_store(application: Application, outcomes: list[Outcome]) -> None:
    """Keep the latest evaluation with the rules version in force that decided it."""
    version = ProgrammeRules.objects.filter(
        programme_id=application.programme_id, status=ProgrammeRules.Status.ACTIVE
    ).first()
    EligibilityResult.objects.filter(application=application).delete()
    EligibilityResult.objects.bulk_create(
        EligibilityResult(
            application=application,
            rules_version=version,
            position=i,
            rule=o.rule,
            passed=o.passed,
            message=o.message,
            params=o.params,
        )
        for i, o in enumerate(outcomes)
    )


def _refusal(outcomes: list[Outcome]) -> DomainError:
    reasons = "; ".join(o.text(gettext) for o in failed(outcomes))
    return DomainError(
        _("Not eligible: %(reasons)s") % {"reasons": reasons},
        code="not_eligible",
        details=[{"rule": o.rule, "reason": o.text(gettext)} for o in failed(outcomes)],
    )


# --- applications ------------------------------------------------------------------------


def _event(application: Application, *, actor: User | None, before: str, reason: str = "") -> None:
    ApplicationEvent.objects.create(
        application=application,
        from_state=before,
        to_state=application.state,
        reason=reason,
        actor=recorded_user(actor),
    )
    audit_record(
        actor=actor,
        action=f"programs.application_{application.state}",
        target=application,
        before={"state": before},
        after={"state": application.state, "reason": reason},
    )


def _lock(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("programme__agency", "cycle", "person", "household")
        .get(pk=application_id)
    )


def _from_state(application: Application, *allowed: str) -> str:
    if application.state not in allowed:
        raise Conflict(
            _("The application is %(state)s; this step needs it to be %(allowed)s.")
            % {
                "state": application.get_state_display(),
                "allowed": " / ".join(str(S(a).label) for a in allowed),
            },
            code="wrong_state",
        )
    return application.state


@transaction.atomic
def application_submit(
    *,
    actor: User | None,
    cycle_id: int,
    person_id: int,
    channel: str,
    detail: Mapping[str, Any] | None = None,
    amount: Decimal | None = None,
    draft: bool = False,
    on: date | None = None,
) -> Application:
    """Propose a beneficiary for a cycle; refused outright if a rule fails.

    Refused as well: a second live application for the same beneficiary and cycle, a
    closed cycle, a person outside the actor's kelurahan, an amount outside the limits.
    """
    detail = dict(detail or {})
    cycle = Cycle.objects.select_related("programme__agency").get(pk=cycle_id)
    programme = cycle.programme
    if cycle.status != Cycle.Status.OPEN or not programme.is_active:
        raise DomainError(_("This cycle is closed to applications."), code="cycle_closed")
    if channel not in Application.Channel.values:
        raise DomainError(_("Unknown proposal channel."), code="channel")
    person = Person.objects.select_related("household").get(pk=person_id)
    household = person.household
    if household is None:
        raise DomainError(_("The person belongs to no registered household."), code="no_household")
    _kelurahan_check(actor=actor, kelurahan_code=household.kelurahan_id)
    if actor is not None and scope_for(actor).agency_code is not None:
        _agency_check(actor=actor, programme=programme)
    applied, enrolled = cycle_holders(
        programme=programme, cycle_id=cycle.pk, person_id=person.pk, household_id=household.pk
    )
    if applied.exists():
        raise Conflict(
            _("There is already an application for this beneficiary in this cycle."),
            code="duplicate_application",
        )
    if enrolled.exists():
        raise Conflict(
            _("This beneficiary is already enrolled in this cycle (by an import)."),
            code="already_enrolled",
        )
    kind = kind_for(programme.kind)
    detail = kind.detail_clean(detail)
    candidate = Candidate(
        programme=programme,
        cycle=cycle,
        person=person,
        household=household,
        channel=channel,
        detail=detail,
        on=on or timezone.localdate(),
        actor=actor,
    )
    granted = kind.amount(candidate, amount)
    amount_check(programme=programme, amount=granted)
    candidate = replace(candidate, extra={"amount": granted})
    outcomes = candidate_evaluate(candidate)
    if failed(outcomes):
        raise _refusal(outcomes)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                programme=programme,
                cycle=cycle,
                person=person,
                household=household,
                per_household=per_household(programme),
                kelurahan_code=household.kelurahan_id,
                channel=channel,
                state=S.DRAFT if draft else S.SUBMITTED,
                amount=granted,
                submitted_by=recorded_user(actor),
            )
    except IntegrityError as exc:  # a concurrent twin won the race
        raise Conflict(
            _("There is already an application for this beneficiary in this cycle."),
            code="duplicate_application",
        ) from exc
    kind.detail_save(application=application, detail=detail)
    _results_store(application, outcomes)
    _event(application, actor=actor, before="")
    return application


@transaction.atomic
def application_send(*, actor: User | None, application_id: int) -> Application:
    """Send a draft in (draft -> submitted)."""
    application = _lock(application_id)
    before = _from_state(application, S.DRAFT)
    _kelurahan_check(actor=actor, kelurahan_code=application.kelurahan_code)
    application.state = S.SUBMITTED
    application.save(update_fields=["state", "updated_at"])
    _event(application, actor=actor, before=before)
    return application


@transaction.atomic
def application_verification_start(
    *, actor: User | None, application_id: int, reason: str = ""
) -> Application:
    application = _lock(application_id)
    decider_check(actor=actor, programme=application.programme)
    before = _from_state(application, S.SUBMITTED)
    application.state = S.IN_VERIFICATION
    application.save(update_fields=["state", "updated_at"])
    _event(application, actor=actor, before=before, reason=reason)
    for hook in VERIFICATION_START_HOOKS:
        hook(application, actor)
    return application


def application_candidate(application: Application, actor: User | None) -> Candidate:
    """The application as the rules and the gates see it, evaluated today."""
    return Candidate(
        programme=application.programme,
        cycle=application.cycle,
        person=application.person,
        household=application.household,
        channel=application.channel,
        detail=kind_for(application.programme.kind).stored_detail(application),
        on=timezone.localdate(),
        actor=actor,
        extra={"amount": application.amount},
        application_id=application.pk,
    )


def _reevaluate(application: Application, actor: User | None) -> list[Outcome]:
    outcomes = candidate_evaluate(application_candidate(application, actor))
    _results_store(application, outcomes)
    return outcomes


def cycle_room(cycle: Cycle) -> tuple[int, Decimal | None]:
    """Places left in the cycle's quota, and money left in its budget (None: no budget).
    An approval asks it for one beneficiary, the recipient import for its whole list."""
    places = cycle.quota - slots_taken(cycle)
    money = cycle.budget - budget_committed(cycle) if cycle.budget > 0 else None
    return places, money


def cycle_has_room(cycle: Cycle, amount: Decimal) -> bool:
    """Whether one more beneficiary fits the cycle's quota and, if it has one, its budget."""
    places, money = cycle_room(cycle)
    return places >= 1 and (money is None or amount <= money)


def budget_committed(cycle: Cycle) -> Decimal:
    """Money promised in the cycle: approved and enrolled applications, and the active
    enrolments imported without an application."""
    applications = Application.objects.filter(cycle=cycle, state__in=SLOT_STATES).aggregate(
        total=Sum("amount")
    )["total"]
    imported = Enrolment.objects.filter(
        cycle=cycle, status=Enrolment.Status.ACTIVE, application__isnull=True
    ).aggregate(total=Sum("amount"))["total"]
    return Decimal(applications or 0) + Decimal(imported or 0)


def slots_taken(cycle: Cycle) -> int:
    """Quota slots in use: approved applications and active enrolments of the cycle."""
    approved = Application.objects.filter(cycle=cycle, state=S.APPROVED).count()
    return approved + Enrolment.objects.filter(cycle=cycle, status=Enrolment.Status.ACTIVE).count()


def _decide(application: Application, *, actor: User | None, reason: str) -> None:
    application.decided_by = recorded_user(actor)
    application.decided_at = timezone.now()
    application.decision_reason = reason


@transaction.atomic
def application_approve(*, actor: User | None, application_id: int, reason: str) -> Application:
    """Approve (or waitlist when the quota is full) after the gates and the rules pass."""
    application = _lock(application_id)
    decider_check(actor=actor, programme=application.programme)
    before = _from_state(application, S.IN_VERIFICATION)
    four_eyes_check(actor=actor, application=application)
    if not reason.strip():
        raise DomainError(_("A decision needs a reason."), code="reason_required")
    refusals = _gate_refusals(application_candidate(application, actor))
    if refusals:
        raise DomainError("; ".join(refusals), code="gate_failed")
    outcomes = _reevaluate(application, actor)
    if failed(outcomes):
        raise _refusal(outcomes)
    cycle = Cycle.objects.select_for_update().get(pk=application.cycle_id)  # serialise slots
    application.state = S.APPROVED if cycle_has_room(cycle, application.amount) else S.WAITLISTED
    _decide(application, actor=actor, reason=reason)
    application.save(
        update_fields=["state", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )
    _event(application, actor=actor, before=before, reason=reason)
    return application


@transaction.atomic
def application_reject(*, actor: User | None, application_id: int, reason: str) -> Application:
    application = _lock(application_id)
    decider_check(actor=actor, programme=application.programme)
    before = _from_state(application, S.SUBMITTED, S.IN_VERIFICATION, S.WAITLISTED)
    if not reason.strip():
        raise DomainError(_("A decision needs a reason."), code="reason_required")
    application.state = S.REJECTED
    _decide(application, actor=actor, reason=reason)
    application.save(
        update_fields=["state", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )
    _event(application, actor=actor, before=before, reason=reason)
    for hook in REJECTION_HOOKS:
        hook(application, actor)
    return application


@transaction.atomic
def application_enrol(
    *, actor: User | None, application_id: int, on: date | None = None
) -> Enrolment:
    """Enrol an approved application (approved -> enrolled)."""
    application = _lock(application_id)
    decider_check(actor=actor, programme=application.programme)
    before = _from_state(application, S.APPROVED)
    on = on or timezone.localdate()
    kind = kind_for(application.programme.kind)
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                programme=application.programme,
                cycle=application.cycle,
                year=application.cycle.year,
                person=application.person,
                household=application.household,
                kelurahan_code=application.kelurahan_code,
                application=application,
                source=Enrolment.Source.APPLICATION,
                amount=application.amount,
                enrolled_on=on,
                starts_on=kind.benefit_starts_on(application, on),
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This person is already enrolled in this programme cycle."), code="already_enrolled"
        ) from exc
    application.state = S.ENROLLED
    application.save(update_fields=["state", "updated_at"])
    _event(application, actor=actor, before=before)
    return enrolment


@transaction.atomic
def enrolment_exit(
    *,
    actor: User | None,
    enrolment_id: int,
    reason: str,
    on: date | None = None,
    note: str = "",
) -> Enrolment:
    """End an enrolment with its reason (and a note saying what caused it, such as a DTSEN
    quarter's desil); the freed slot goes to the oldest waitlisted."""
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("programme__agency")
        .get(pk=enrolment_id)
    )
    decider_check(actor=actor, programme=enrolment.programme)
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise Conflict(_("This enrolment has already ended."), code="wrong_state")
    if reason not in Enrolment.ExitReason.values:
        raise DomainError(_("Choose why the enrolment ends."), code="exit_reason")
    enrolment.status = Enrolment.Status.EXITED
    enrolment.exit_reason = reason
    enrolment.exited_on = on or timezone.localdate()
    enrolment.save(update_fields=["status", "exit_reason", "exited_on"])
    audit_record(
        actor=actor,
        action="programs.enrolment_exit",
        target=enrolment,
        after={
            "reason": reason,
            "exited_on": enrolment.exited_on,
            **({"note": note} if note else {}),
        },
    )
    if enrolment.application_id is not None:
        application = _lock(enrolment.application_id)
        application.state = S.EXITED
        application.save(update_fields=["state", "updated_at"])
        _event(
            application,
            actor=actor,
            before=S.ENROLLED,
            reason=f"{reason}: {note}" if note else reason,
        )
    waitlist_promote(actor=actor, cycle_id=enrolment.cycle_id)
    return enrolment


@transaction.atomic
def waitlist_promote(*, actor: User | None, cycle_id: int) -> list[Application]:
    """Approve waitlisted applications, oldest first, while the quota and budget have room.

    Each must still pass what its approval passed, the gates (open checks, blocking overlap
    findings) and the programme's rules, today: one that no longer does (the person died,
    moved, was enrolled elsewhere) stays on the waitlist for its decider to reject.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle_id)
    promoted: list[Application] = []
    waiting = (
        Application.objects.select_for_update(of=("self",))
        .select_related("programme", "cycle", "person", "household")
        .filter(cycle=cycle, state=S.WAITLISTED)
        .order_by("decided_at", "pk")
    )
    for application in waiting:
        if not cycle_has_room(cycle, application.amount):
            break
        if _gate_refusals(application_candidate(application, actor)):
            continue
        if failed(_reevaluate(application, actor)):
            continue
        application.state = S.APPROVED
        application.save(update_fields=["state", "updated_at"])
        _event(
            application,
            actor=actor,
            before=S.WAITLISTED,
            reason=gettext("A quota slot was freed."),
        )
        promoted.append(application)
    return promoted


# --- decrees -----------------------------------------------------------------------------


@transaction.atomic
def decree_fix(*, actor: User | None, cycle_id: int, number: str, decreed_on: date) -> Decree:
    """Fix the cycle's approved and enrolled applications not yet in a decree as an SK list."""
    cycle = Cycle.objects.select_for_update().select_related("programme__agency").get(pk=cycle_id)
    decider_check(actor=actor, programme=cycle.programme)
    number = number.strip()
    if not number:
        raise DomainError(
            _("A decree needs a number."), code="number_required", details={"field": "number"}
        )
    if Decree.objects.filter(number=number).exists():
        raise Conflict(
            _("A decree with this number already exists."),
            code="duplicate_decree",
            details={"field": "number"},
        )
    rows = list(
        Application.objects.filter(cycle=cycle, state__in=[*SLOT_STATES], decree_entry__isnull=True)
        .select_related("person")
        .order_by("kelurahan_code", "person__full_name", "pk")
    )
    if not rows:
        raise DomainError(_("There are no approved applications to fix."), code="empty_decree")
    decree = Decree.objects.create(
        cycle=cycle,
        number=number,
        decreed_on=decreed_on,
        fixed_by=recorded_user(actor),
    )
    DecreeEntry.objects.bulk_create(
        DecreeEntry(
            decree=decree,
            position=i,
            application=a,
            full_name=a.person.full_name,
            nik=a.person.nik or "",
            kelurahan_code=a.kelurahan_code,
            amount=a.amount,
        )
        for i, a in enumerate(rows, start=1)
    )
    audit_record(
        actor=actor,
        action="programs.decree_fix",
        target=decree,
        after={"number": number, "entries": len(rows)},
    )
    return decree
