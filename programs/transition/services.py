"""Use cases of a DTSEN quarter's proposed exits: review (approve or reject, one or many) and
apply on the programme's date.

    proposed -> approved -> applied
    proposed -> rejected
    proposed / approved / held -> withdrawn (an objection of the household was upheld)
    approved -> held (an objection of the household is open) -> approved (decided) -> applied
    held -> rejected

An approved exit takes effect on the date the programme's rule gives for the day of the
decision (KIS: the first of the next month); it is applied through the programme core's
`enrolment_exit` on that date (at once when the date has come, else by the daily run). An
objection (sanggahan) of the household received before that date and still open holds the
exit; once the objection is decided the exit takes effect on the programme's date counted
from that day. Whoever started the quarter's import (who proposed) may not approve its exits
when the programme has four eyes on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record, recorded_user
from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.models import User
from programs.kinds import kind_for
from programs.models import Enrolment, Programme
from programs.services import decider_check, enrolment_exit
from programs.transition.impact import events_record
from programs.transition.models import ExitProposal, ProposalStatus
from programs.transition.selectors import exit_proposal_scope

P = ProposalStatus
# Not yet applied, rejected or withdrawn: what an upheld objection still stops.
PENDING = [P.PROPOSED, P.APPROVED, P.HELD]
# A source of holds: (household ids, received before) -> the households with an open
# objection received before that date. The verification app registers its complaints.
HoldSource = Callable[[Sequence[int], date], set[int]]
HOLD_SOURCES: list[HoldSource] = []


def exit_hold_source_register(source: HoldSource) -> None:
    if source not in HOLD_SOURCES:
        HOLD_SOURCES.append(source)


def households_held(household_ids: Sequence[int], before: date) -> set[int]:
    held: set[int] = set()
    for source in HOLD_SOURCES:
        held |= source(household_ids, before)
    return held


def exit_note(proposal: ExitProposal) -> str:
    """The reason an exit records beside its code: the quarter and the desil change."""
    return gettext("DTSEN %(period)s: desil %(before)s to %(after)s") % {
        "period": proposal.period,
        "before": proposal.desil_before if proposal.desil_before is not None else "-",
        "after": proposal.desil_after if proposal.desil_after is not None else "-",
    }


def _move(
    proposals: Sequence[ExitProposal], *, to: str, actor: User | None, note: str = ""
) -> None:
    """Record a bulk transition: one event row and one audit row per proposal (the callers
    write the proposals' new state)."""
    by_before: defaultdict[str, list[int]] = defaultdict(list)
    for proposal in proposals:
        by_before[proposal.status].append(proposal.pk)
        audit_record(
            actor=actor,
            action=f"transition.exit_{to}",
            target=proposal,
            before={"status": proposal.status},
            after={"status": to, "effective_on": proposal.effective_on, "note": note},
        )
        proposal.status = to
    with connection.cursor() as cursor:
        for before, ids in by_before.items():
            events_record(
                cursor,
                ids=ids,
                before=before,
                after=to,
                note=note,
                actor_id=actor.pk if actor else None,
            )


def _decide(proposals: Sequence[ExitProposal], *, to: str, actor: User | None, note: str) -> None:
    """Decide proposals with no date of their own (rejected, withdrawn): their events and
    audit rows (`_move`), then one UPDATE with who decided, when and why."""
    _move(proposals, to=to, actor=actor, note=note)
    now = timezone.now()
    ExitProposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
        status=to,
        decided_by=recorded_user(actor),
        decided_at=now,
        decision_note=note,
        updated_at=now,
    )


def _locked(*, actor: User, proposal_ids: Sequence[int]) -> list[ExitProposal]:
    """The proposals the actor may see, locked; any other id is refused as not found."""
    ids = sorted(set(proposal_ids))
    if not ids:
        raise DomainError(_("Choose at least one proposed exit."), code="nothing_chosen")
    found = list(
        exit_proposal_scope(user=actor)
        .select_for_update(of=("self",))
        .select_related("programme__agency")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(found) != len(ids):
        raise DomainError(_("Some of the chosen exits were not found."), code="not_found")
    for programme in {p.programme_id: p.programme for p in found}.values():
        decider_check(actor=actor, programme=programme)
    wrong = [p for p in found if p.status != P.PROPOSED]
    if wrong:
        raise Conflict(
            _("%(count)s of the chosen exits were already decided.") % {"count": len(wrong)},
            code="wrong_state",
        )
    return found


def _four_eyes(actor: User, proposals: Sequence[ExitProposal]) -> None:
    if any(p.programme.four_eyes and p.proposed_by_id == actor.pk for p in proposals):
        raise Forbidden(
            _("You imported the quarter that proposed these exits; another officer must decide."),
            code="four_eyes",
        )


@transaction.atomic
def exit_proposals_approve(
    *, actor: User, proposal_ids: Sequence[int], note: str = "", on: date | None = None
) -> list[ExitProposal]:
    """Approve proposed exits: each takes effect on its programme's date for today (applied
    at once when that date has come)."""
    proposals = _locked(actor=actor, proposal_ids=proposal_ids)
    _four_eyes(actor, proposals)
    today = on or timezone.localdate()
    now = timezone.now()
    by_date: defaultdict[date, list[int]] = defaultdict(list)
    for proposal in proposals:
        effective_on = kind_for(proposal.programme.kind).exit_effective_on(today)
        proposal.effective_on = effective_on
        by_date[effective_on].append(proposal.pk)
    _move(proposals, to=P.APPROVED, actor=actor, note=note)
    for effective_on, ids in by_date.items():
        ExitProposal.objects.filter(pk__in=ids).update(
            status=P.APPROVED,
            effective_on=effective_on,
            decided_by=recorded_user(actor),
            decided_at=now,
            decision_note=note,
            updated_at=now,
        )
    exit_proposals_apply(actor=actor, on=today, proposal_ids=[p.pk for p in proposals])
    return proposals


@transaction.atomic
def exit_proposals_reject(
    *, actor: User, proposal_ids: Sequence[int], note: str
) -> list[ExitProposal]:
    """Reject proposed exits (the enrolment stays); a rejection needs a reason."""
    if not note.strip():
        raise DomainError(_("A rejection needs a reason."), code="reason_required")
    proposals = _locked(actor=actor, proposal_ids=proposal_ids)
    _decide(proposals, to=P.REJECTED, actor=actor, note=note)
    return proposals


@transaction.atomic
def exit_proposals_apply(
    *, actor: User | None, on: date, proposal_ids: Sequence[int] | None = None
) -> dict[str, int]:
    """Apply the approved exits whose date has come (all, or these), hold those of a
    household with an open objection received before the date, and give a held exit whose
    objection was decided its date again. Idempotent: run daily and after approvals."""
    due = (
        ExitProposal.objects.select_for_update(of=("self",))
        .select_related("programme")
        .filter(status__in=[P.APPROVED, P.HELD])
        .order_by("pk")
    )
    if proposal_ids is not None:
        due = due.filter(pk__in=list(proposal_ids))
    counts = {"applied": 0, "held": 0, "released": 0, "ended_already": 0}
    proposals = list(due)
    held_now: set[int] = set()
    by_proposal_date: defaultdict[date, list[ExitProposal]] = defaultdict(list)
    for proposal in proposals:
        # A dated status always has its date (a database constraint).
        by_proposal_date[proposal.effective_on or on].append(proposal)
    for effective_on, group in by_proposal_date.items():
        held = households_held([p.household_id for p in group], effective_on)
        held_now |= {p.pk for p in group if p.household_id in held}
    # Held and no longer held: the objection was decided; the exit takes effect on the
    # programme's date counted from today.
    released = [p for p in proposals if p.status == P.HELD and p.pk not in held_now]
    for proposal in released:
        proposal.effective_on = kind_for(proposal.programme.kind).exit_effective_on(on)
        ExitProposal.objects.filter(pk=proposal.pk).update(effective_on=proposal.effective_on)
    _move(released, to=P.APPROVED, actor=actor, note=gettext("The objection was decided."))
    counts["released"] = len(released)
    to_hold = [p for p in proposals if p.pk in held_now and p.status != P.HELD]
    _move(to_hold, to=P.HELD, actor=actor, note=gettext("An objection is open."))
    ExitProposal.objects.filter(pk__in=[p.pk for p in to_hold]).update(status=P.HELD)
    counts["held"] = len(held_now)
    ready = [
        p
        for p in proposals
        if p.pk not in held_now and p.effective_on is not None and p.effective_on <= on
    ]
    ended = set(
        Enrolment.objects.filter(
            pk__in=[p.enrolment_id for p in ready], status=Enrolment.Status.EXITED
        ).values_list("pk", flat=True)
    )
    for proposal in ready:
        if proposal.enrolment_id in ended:
            counts["ended_already"] += 1
            _move([proposal], to=P.WITHDRAWN, actor=actor, note=gettext("Already ended."))
        else:
            enrolment_exit(
                actor=actor,
                enrolment_id=proposal.enrolment_id,
                reason=Enrolment.ExitReason.NO_LONGER_ELIGIBLE,
                on=proposal.effective_on,
                note=exit_note(proposal),
            )
            _move([proposal], to=P.APPLIED, actor=actor, note=exit_note(proposal))
            counts["applied"] += 1
        ExitProposal.objects.filter(pk=proposal.pk).update(
            status=proposal.status, updated_at=timezone.now()
        )
    ExitProposal.objects.filter(pk__in=[p.pk for p in released if p.status == P.APPROVED]).update(
        status=P.APPROVED
    )
    return counts


@transaction.atomic
def exit_proposals_withdraw(
    *, actor: User | None, household_id: int, note: str
) -> list[ExitProposal]:
    """Withdraw the household's pending exits (proposed, approved or held): an objection
    decided in its favour stops them. Part of deciding the objection, so no agency decider
    check; each withdrawal records its event and audit row."""
    proposals = list(
        ExitProposal.objects.select_for_update()
        .filter(household_id=household_id, status__in=PENDING)
        .order_by("pk")
    )
    _decide(proposals, to=P.WITHDRAWN, actor=actor, note=note)
    return proposals


def programme_decidable(*, actor: User, programme: Programme) -> bool:
    """Whether the actor may review this programme's exits (for showing the buttons)."""
    try:
        decider_check(actor=actor, programme=programme)
    except Forbidden:
        return False
    return True
