"""Use cases of the review queue: confirm or reject what a run found, one by one or in bulk.

Confirming changes the registry only through the registry's own services, so the household
history and the audit log tell the story as for any clerk's change: a corrected NIK goes
through `person_nik_correct`, a death through `person_death_record`, a move out of Depok
through `household_member_remove`. A different KK composition is acknowledged here; the
household change itself is made in the registry by the clerk who knows the family.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.access import get_in_scope
from depok_kds.audit import audit_record
from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.models import User
from registry.dukcapil.models import MatchOutcome, Outcome
from registry.dukcapil.selectors import may_act, outcomes_of_agency_persons
from registry.services import household_member_remove, person_death_record, person_nik_correct
from registry.services.common import Actor

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CONFIRM = "confirm"
REJECT = "reject"
DECISIONS = (CONFIRM, REJECT)


@dataclass
class BulkReview:
    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def _reason(outcome: MatchOutcome) -> StrOrPromise:
    return _("Dukcapil matching run #%(run)d") % {"run": outcome.run_id}


@transaction.atomic
def outcome_review(
    *,
    actor: Actor,
    outcome_id: int,
    decision: str,
    note: str = "",
    event_date: date | None = None,
) -> MatchOutcome:
    """Confirm or reject one waiting outcome; confirming applies it to the registry.

    `event_date` overrides the date of death or move Dukcapil gave (required if it gave none).
    """
    if not may_act(actor, "dukcapil.review_matchoutcome", "dukcapil:write"):
        raise Forbidden(_("Only Dinsos staff may review matching outcomes."))
    if decision not in DECISIONS:
        raise DomainError(
            _("Choose confirm or reject."), code="invalid_decision", details={"field": "decision"}
        )
    outcomes = MatchOutcome.objects.select_for_update()
    if actor is None:
        outcome = outcomes.filter(pk=outcome_id).first()
        if outcome is None:
            raise Http404
    else:
        outcome = get_in_scope(
            outcomes_of_agency_persons(outcomes, actor),
            user=actor,
            kelurahan_field="kelurahan_code",
            pk=outcome_id,
        )
    if outcome.review_status != MatchOutcome.Review.PENDING:
        raise Conflict(
            _("This outcome was already reviewed or needs no review."), code="not_pending"
        )
    applied = ""
    if decision == CONFIRM:
        applied = _apply(actor, outcome, event_date)
    outcome.review_status = (
        MatchOutcome.Review.CONFIRMED if decision == CONFIRM else MatchOutcome.Review.REJECTED
    )
    outcome.reviewed_by = actor if isinstance(actor, User) else None
    outcome.reviewed_at = timezone.now()
    outcome.review_note = note.strip()
    outcome.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "review_note"])
    audit_record(
        actor=actor,
        action=f"dukcapil.outcome_{decision}",
        target=outcome,
        after={
            "run_id": outcome.run_id,
            "person_id": outcome.person_id,
            "outcome": outcome.outcome,
            "applied": applied,
            "note": outcome.review_note,
        },
    )
    return outcome


def _apply(actor: Actor, outcome: MatchOutcome, event_date: date | None) -> str:
    """Carry a confirmed outcome into the registry; return what was done.

    A proposed NIK is corrected first, also where the record found through the mistyped NIK
    tells of a death or a move out of Depok, which is then recorded too.
    """
    when = event_date or outcome.event_date
    if outcome.outcome == Outcome.DECEASED and when is None:
        raise DomainError(
            _("Dukcapil gave no date of death: enter it to confirm."),
            code="date_required",
            details={"field": "event_date"},
        )
    applied = []
    if outcome.candidate_nik is not None:
        person_nik_correct(
            actor=actor,
            person_id=outcome.person_id,
            nik=outcome.candidate_nik,
            reason=str(_reason(outcome)),
        )
        applied.append("person.nik_correct")
    elif outcome.outcome == Outcome.NIK_MISTYPED:  # the database refuses this; for the type checker
        raise DomainError(_("This outcome has no NIK to confirm."), code="no_candidate")
    if outcome.outcome == Outcome.DECEASED and when is not None:
        person_death_record(actor=actor, person_id=outcome.person_id, death_date=when)
        applied.append("person.death_record")
    elif outcome.outcome == Outcome.MOVED_OUT:
        household_member_remove(
            actor=actor,
            person_id=outcome.person_id,
            reason=str(_("Moved out of Depok (%(source)s)") % {"source": _reason(outcome)}),
            moved_out_on=when,
        )
        applied.append("person.remove")
    # KK composition: acknowledged; the household change is made in the registry.
    return ", ".join(applied)


def outcomes_review_bulk(
    *, actor: Actor, outcome_ids: Iterable[int], decision: str, note: str = ""
) -> BulkReview:
    """Review many outcomes alike; each stands alone, so one refusal stops no other."""
    result = BulkReview()
    for outcome_id in sorted(set(outcome_ids)):
        try:
            outcome_review(actor=actor, outcome_id=outcome_id, decision=decision, note=note)
        except DomainError as exc:
            if isinstance(exc, Forbidden):
                raise
            result.failed.append((outcome_id, str(exc.message)))
        except Http404:
            result.failed.append((outcome_id, str(_("Not found."))))
        else:
            result.done.append(outcome_id)
    return result
