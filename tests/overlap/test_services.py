"""Re-runs, decisions on findings, the approval gate, and life events."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from depok_kds.errors import DomainError, Forbidden
from depok_kds.models import AuditEntry
from programs.models import Enrolment
from programs.overlap.models import DeathBenefitProposal, Finding, FindingEvent
from programs.overlap.services import finding_confirm, finding_dismiss, finding_gate
from programs.services import (
    application_approve,
    application_submit,
    application_verification_start,
)
from registry.models import Person
from registry.services.members import household_member_remove, person_death_record
from tests.overlap.factories import YEAR, detect, enrol
from tests.programs.factories import applicant, open_cycle
from tests.registry.factories import PersonFactory, life_event_follow_ups_run

pytestmark = pytest.mark.django_db


def _education_overlap() -> tuple[Person, Enrolment]:
    pupil = applicant()
    enrol(pupil, "pendidikan-sd")
    return pupil, enrol(pupil, "pendidikan-smp")


def test_rerun_keeps_the_finding_and_its_history_and_closes_a_fixed_case():
    _pupil, later = _education_overlap()
    detect()
    finding = Finding.objects.get(rule="same_benefit_kind")
    first_seen = finding.first_seen
    detect()
    finding.refresh_from_db()
    assert finding.status == "open" and finding.first_seen == first_seen
    assert Finding.objects.filter(rule="same_benefit_kind").count() == 1
    Enrolment.objects.filter(pk=later.pk).update(
        status="exited", exit_reason="no_longer_eligible", exited_on=date(2026, 3, 1)
    )
    detect()
    finding.refresh_from_db()
    assert finding.status == "closed" and finding.closed_at is not None
    assert list(finding.events.values_list("kind", flat=True)) == ["opened", "closed"]


def test_dismissed_finding_stays_dismissed_on_rerun(dinsos_operator):
    _education_overlap()
    detect()
    finding = Finding.objects.get(rule="same_benefit_kind")
    finding_dismiss(actor=dinsos_operator, finding_id=finding.pk, reason="SD and SMP years split")
    detect()
    finding.refresh_from_db()
    assert finding.status == "dismissed" and finding.reason == "SD and SMP years split"
    assert AuditEntry.objects.filter(action="overlap.finding_dismissed").exists()


def test_dismissal_needs_a_reason_and_the_owning_agency(dinsos_operator, dinkes_officer):
    _education_overlap()
    detect()
    finding = Finding.objects.get(rule="same_benefit_kind")  # a Disdik programme
    with pytest.raises(DomainError):
        finding_dismiss(actor=dinsos_operator, finding_id=finding.pk, reason=" ")
    from django.http import Http404

    with pytest.raises(Http404):
        finding_confirm(actor=dinkes_officer, finding_id=finding.pk)
    finding_confirm(actor=dinsos_operator, finding_id=finding.pk, reason="checked")
    assert FindingEvent.objects.filter(finding=finding, kind="confirmed").exists()


def test_leader_may_not_decide(leader):
    _education_overlap()
    detect()
    finding = Finding.objects.get(rule="same_benefit_kind")
    with pytest.raises(Forbidden):
        finding_confirm(actor=leader, finding_id=finding.pk)


@pytest.fixture
def only_overlap_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other apps (verification) register gates of their own; test this one alone."""
    monkeypatch.setattr("programs.services.APPROVAL_GATES", [finding_gate])


def _in_verification(person: Person, code: str, actor) -> int:
    cycle = open_cycle(code, year=YEAR, quota=10)
    application = application_submit(
        actor=None,
        cycle_id=cycle.pk,
        person_id=person.pk,
        channel="agency",
        detail={"jkn_segment": "none"},
    )
    application_verification_start(actor=actor, application_id=application.pk)
    return application.pk


def test_open_blocking_finding_stops_approval_and_a_dismissed_one_does_not(
    dinkes_officer, only_overlap_gate
):
    member = applicant()
    enrol(member, "kis-pbi-apbd", year=YEAR - 1)
    enrol(member, "bantuan-pangan-kota", year=YEAR - 1, household_id=member.household_id)
    # A whole-beneficiary finding: the household above the cap (planted through amounts).
    enrol(member, "rtlh", year=YEAR - 1)
    enrol(member, "pendidikan-pt", year=YEAR - 1, amount=23_000_000)
    detect(year=YEAR)
    finding = Finding.objects.get(rule="household_cap")
    application_id = _in_verification(member, "kis-pbi-apbd", dinkes_officer)
    with pytest.raises(DomainError) as refused:
        application_approve(actor=dinkes_officer, application_id=application_id, reason="ok")
    assert refused.value.code == "gate_failed"
    assert f"Keluarga melebihi batas tahunan (#{finding.pk})" in str(refused.value.message)
    Finding.objects.filter(pk=finding.pk).update(status="dismissed", reason="verified")
    approved = application_approve(actor=dinkes_officer, application_id=application_id, reason="ok")
    assert approved.state == "approved"


def test_the_gate_refusal_is_shown_in_indonesian(dinkes_officer, only_overlap_gate):
    member = applicant()
    enrol(member, "rtlh", year=YEAR, amount=31_000_000)
    detect(year=YEAR)
    finding = Finding.objects.get(rule="household_cap")
    application_id = _in_verification(member, "kis-pbi-apbd", dinkes_officer)
    with translation.override("id"), pytest.raises(DomainError) as refused:
        application_approve(actor=dinkes_officer, application_id=application_id, reason="ok")
    assert str(refused.value.message) == (
        f"Terhalang oleh temuan tumpang tindih: Keluarga melebihi batas tahunan (#{finding.pk}): "
        "Bantuan yang diterima keluarga dalam satu tahun melebihi batas kota."
    )


def test_a_programme_finding_does_not_block_another_programme(dinkes_officer, only_overlap_gate):
    pupil, _later = _education_overlap()
    detect()
    application_id = _in_verification(pupil, "kis-pbi-apbd", dinkes_officer)
    approved = application_approve(actor=dinkes_officer, application_id=application_id, reason="ok")
    assert approved.state == "approved"


# --- life events ---------------------------------------------------------------------------


def test_recording_a_death_closes_every_active_enrolment_and_proposes_the_death_benefit(
    puskesos_a,
):
    head = applicant(relationship=Person.Relationship.HEAD, birth_date=date(1960, 1, 1))
    wife = PersonFactory(household=head.household, relationship=Person.Relationship.WIFE, sex="F")
    PersonFactory(household=head.household, birth_date=date(1990, 1, 1))
    open_cycle("santunan-kematian", year=YEAR)
    kis = enrol(head, "kis-pbi-apbd")
    food = enrol(head, "bantuan-pangan-kota")
    person_death_record(actor=puskesos_a, person_id=head.pk, death_date=date(2026, 1, 10))
    life_event_follow_ups_run()
    for enrolment in (kis, food):
        enrolment.refresh_from_db()
        assert (enrolment.status, enrolment.exit_reason) == ("exited", "death")
        assert enrolment.exited_on == date(2026, 1, 10)
    assert AuditEntry.objects.filter(action="programs.enrolment_exit").count() == 2
    audit = AuditEntry.objects.get(action="overlap.life_event_death")
    assert audit.actor == puskesos_a and sorted(audit.after["enrolments_ended"]) == sorted(
        [kis.pk, food.pk]
    )
    proposal = DeathBenefitProposal.objects.get(deceased=head)
    assert (proposal.heir, proposal.heir_relationship) == (wife, "spouse")
    assert proposal.cycle is not None


def test_moving_out_of_depok_closes_enrolments_and_proposes_nothing(dinsos_operator):
    head = applicant(relationship=Person.Relationship.HEAD)
    child = PersonFactory(household=head.household)
    enrolment = enrol(child, "pendidikan-sma")
    household_member_remove(
        actor=dinsos_operator, person_id=child.pk, reason="pindah", moved_out_on=date(2026, 2, 1)
    )
    life_event_follow_ups_run()
    enrolment.refresh_from_db()
    assert enrolment.exit_reason == "moved_away"
    assert not DeathBenefitProposal.objects.exists()


def test_removal_without_a_move_date_leaves_enrolments_alone(dinsos_operator):
    head = applicant(relationship=Person.Relationship.HEAD)
    child = PersonFactory(household=head.household)
    enrolment = enrol(child, "pendidikan-sma")
    household_member_remove(actor=dinsos_operator, person_id=child.pk, reason="salah input")
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
