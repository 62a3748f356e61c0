"""Reviewing proposed exits: approval dates by the programme's rule, the exit through the
programme core, an objection holding it, four eyes and agency scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from depok_kds.errors import DomainError, Forbidden
from depok_kds.models import AuditEntry, User
from programs.kis_pbi.rules import first_of_next_month
from programs.models import Enrolment
from programs.transition.impact import impact_compute
from programs.transition.models import ExitProposal
from programs.transition.services import (
    exit_proposals_apply,
    exit_proposals_approve,
    exit_proposals_reject,
)
from registry.models import Person
from tests.transition.factories import QUARTER, kis, ranked
from verification.models import Complaint
from verification.services.complaints import complaint_answer, complaint_receive

pytestmark = pytest.mark.django_db
# Objections are received now: the decision is today, its KIS date the next first.
DECIDED = timezone.localdate()
NEXT_MONTH = first_of_next_month(DECIDED)
AFTER = first_of_next_month(NEXT_MONTH)


@pytest.fixture
def left() -> tuple[Person, Enrolment, ExitProposal]:
    head = ranked(3, 7)
    enrolment = kis(head)
    impact_compute(period=QUARTER, actor_id=None)
    return head, enrolment, ExitProposal.objects.get()


def _object(actor: User, person: Person) -> Complaint:
    return complaint_receive(
        actor=actor,
        kind=Complaint.Kind.APPEAL,
        category=Complaint.Category.EXCLUSION,
        channel=Complaint.Channel.PUSKESOS,
        description="Desil kami salah, kami masih miskin.",
        kelurahan_code=person.household.kelurahan_id,
        household_id=person.household_id,
    )


def test_an_approved_kis_exit_takes_effect_on_the_first_of_the_next_month(
    left: tuple[Person, Enrolment, ExitProposal], dinkes_officer: User
) -> None:
    _head, enrolment, proposal = left

    exit_proposals_approve(actor=dinkes_officer, proposal_ids=[proposal.pk], on=DECIDED)

    proposal.refresh_from_db()
    assert (proposal.status, proposal.effective_on) == ("approved", NEXT_MONTH)
    enrolment.refresh_from_db()
    assert enrolment.status == "active"  # still covered until its date

    assert exit_proposals_apply(actor=None, on=NEXT_MONTH)["applied"] == 1

    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.exit_reason, enrolment.exited_on) == (
        "exited",
        "no_longer_eligible",
        NEXT_MONTH,
    )
    proposal.refresh_from_db()
    assert proposal.status == "applied"
    audit = AuditEntry.objects.get(action="programs.enrolment_exit")
    assert "2026Q1" in audit.after["note"]
    assert list(proposal.events.values_list("to_status", flat=True)) == [
        "proposed",
        "approved",
        "applied",
    ]


def test_an_objection_received_before_the_date_holds_the_exit_until_it_is_decided(
    left: tuple[Person, Enrolment, ExitProposal], dinkes_officer: User, dinsos_operator: User
) -> None:
    head, enrolment, proposal = left
    exit_proposals_approve(actor=dinkes_officer, proposal_ids=[proposal.pk], on=DECIDED)
    objection = _object(dinsos_operator, head)

    exit_proposals_apply(actor=None, on=NEXT_MONTH)

    proposal.refresh_from_db()
    enrolment.refresh_from_db()
    assert (proposal.status, enrolment.status) == ("held", "active")

    complaint_answer(
        actor=dinsos_operator,
        complaint_id=objection.pk,
        answer="Desil sesuai data DTSEN.",
        outcome=Complaint.Outcome.NOT_UPHELD,
    )
    exit_proposals_apply(actor=None, on=NEXT_MONTH + timedelta(days=9))
    proposal.refresh_from_db()
    assert (proposal.status, proposal.effective_on) == ("approved", AFTER)

    exit_proposals_apply(actor=None, on=AFTER)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.exited_on) == ("exited", AFTER)


def _decide(actor: User, objection: Complaint, outcome: str) -> None:
    complaint_answer(
        actor=actor, complaint_id=objection.pk, answer="Sudah diperiksa.", outcome=outcome
    )


def test_an_upheld_objection_withdraws_the_held_exit_with_its_event_and_audit_row(
    left: tuple[Person, Enrolment, ExitProposal], dinkes_officer: User, dinsos_operator: User
) -> None:
    head, enrolment, proposal = left
    exit_proposals_approve(actor=dinkes_officer, proposal_ids=[proposal.pk], on=DECIDED)
    objection = _object(dinsos_operator, head)
    exit_proposals_apply(actor=None, on=NEXT_MONTH)

    _decide(dinsos_operator, objection, Complaint.Outcome.UPHELD)

    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    last = proposal.events.order_by("pk").last()
    assert last is not None
    assert (last.from_status, last.to_status, last.actor_id) == (
        "held",
        "withdrawn",
        dinsos_operator.pk,
    )
    assert objection.tracking_number in last.note
    audit = AuditEntry.objects.get(action="transition.exit_withdrawn", target_id=str(proposal.pk))
    assert (audit.actor_id, audit.before) == (dinsos_operator.pk, {"status": "held"})
    # Nothing is left for the daily run to apply.
    exit_proposals_apply(actor=None, on=AFTER)
    enrolment.refresh_from_db()
    assert enrolment.status == "active"


def test_an_upheld_objection_withdraws_an_exit_not_yet_reviewed_and_only_its_household(
    left: tuple[Person, Enrolment, ExitProposal], dinkes_officer: User, dinsos_operator: User
) -> None:
    head, _enrolment, proposal = left
    other = kis(ranked(2, 8))
    impact_compute(period=QUARTER, actor_id=None)
    objection = _object(dinsos_operator, head)

    _decide(dinsos_operator, objection, Complaint.Outcome.UPHELD)

    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    assert ExitProposal.objects.get(enrolment=other).status == "proposed"
    with pytest.raises(DomainError):
        exit_proposals_approve(actor=dinkes_officer, proposal_ids=[proposal.pk], on=DECIDED)


def test_an_objection_of_another_household_holds_nothing(
    left: tuple[Person, Enrolment, ExitProposal], dinkes_officer: User, dinsos_operator: User
) -> None:
    _head, enrolment, proposal = left
    _object(dinsos_operator, ranked(2, 2))
    exit_proposals_approve(actor=dinkes_officer, proposal_ids=[proposal.pk], on=DECIDED)

    exit_proposals_apply(actor=None, on=NEXT_MONTH)

    enrolment.refresh_from_db()
    assert enrolment.status == "exited"


def test_who_imported_the_quarter_may_not_approve_its_exits(
    dinkes_officer: User, colleague_of
) -> None:
    kis(ranked(3, 7))
    impact_compute(period=QUARTER, actor_id=dinkes_officer.pk)
    proposal = ExitProposal.objects.get()

    with pytest.raises(Forbidden):
        exit_proposals_approve(actor=dinkes_officer, proposal_ids=[proposal.pk], on=DECIDED)
    exit_proposals_approve(actor=colleague_of(dinkes_officer), proposal_ids=[proposal.pk])
    proposal.refresh_from_db()
    assert proposal.status == "approved"


def test_another_agency_cannot_decide_and_a_rejection_needs_a_reason(
    left: tuple[Person, Enrolment, ExitProposal], dinkes_officer: User, disrumkim_officer: User
) -> None:
    _head, enrolment, proposal = left
    with pytest.raises(DomainError):
        exit_proposals_approve(actor=disrumkim_officer, proposal_ids=[proposal.pk])
    with pytest.raises(DomainError):
        exit_proposals_reject(actor=dinkes_officer, proposal_ids=[proposal.pk], note=" ")

    exit_proposals_reject(actor=dinkes_officer, proposal_ids=[proposal.pk], note="Sakit kronis")

    proposal.refresh_from_db()
    enrolment.refresh_from_db()
    assert (proposal.status, enrolment.status) == ("rejected", "active")
    with pytest.raises(DomainError):
        exit_proposals_approve(actor=dinkes_officer, proposal_ids=[proposal.pk])
