"""The programme core: applications through their states, quotas, decisions, enrolment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.models import AuditEntry
from programs import services
from programs.models import (
    Application,
    ApplicationEvent,
    Cycle,
    EligibilityResult,
    Enrolment,
)
from programs.services import (
    application_approve,
    application_enrol,
    application_reject,
    application_submit,
    application_verification_start,
    cycle_open,
    decree_fix,
    enrolment_exit,
)
from registry.models import Household
from tests.programs.factories import ELDERLY, KIS, applicant, open_cycle, programme

pytestmark = pytest.mark.django_db
S = Application.State


def _submit(cycle, person, actor=None, **kwargs):
    kwargs.setdefault("detail", KIS)
    kwargs.setdefault("channel", "puskesos")
    return application_submit(actor=actor, cycle_id=cycle.pk, person_id=person.pk, **kwargs)


def _approve(application, actor):
    application_verification_start(actor=actor, application_id=application.pk)
    return application_approve(actor=actor, application_id=application.pk, reason="Sesuai")


def test_application_walks_every_state_with_events_and_audit(dinsos_operator, dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd")
    application = _submit(cycle, applicant(), actor=dinsos_operator)
    assert application.state == S.SUBMITTED
    application = _approve(application, dinkes_officer)
    assert application.state == S.APPROVED
    assert application.decided_by == dinkes_officer and application.decision_reason == "Sesuai"
    enrolment = application_enrol(actor=dinkes_officer, application_id=application.pk)
    enrolment_exit(actor=dinkes_officer, enrolment_id=enrolment.pk, reason="moved_away")
    application.refresh_from_db()
    enrolment.refresh_from_db()
    assert application.state == S.EXITED and enrolment.exit_reason == "moved_away"
    states = list(
        ApplicationEvent.objects.filter(application=application).values_list("to_state", flat=True)
    )
    assert states == ["submitted", "in_verification", "approved", "enrolled", "exited"]
    assert AuditEntry.objects.filter(action="programs.application_approved").count() == 1


def test_application_stores_every_rule_outcome():
    application = _submit(open_cycle("kis-pbi-apbd"), applicant())
    rules = list(
        EligibilityResult.objects.filter(application=application).values_list("rule", "passed")
    )
    assert ("depok_resident", True) in rules and ("kis_pbi_not_pbi_apbn", True) in rules
    assert ("poverty", True) in rules


def test_application_twice_same_cycle_refused():
    cycle, person = open_cycle("kis-pbi-apbd"), applicant()
    _submit(cycle, person)
    with pytest.raises(Conflict) as refused:
        _submit(cycle, person)
    assert refused.value.code == "duplicate_application"
    assert Application.objects.filter(person=person).count() == 1


def test_application_again_after_rejection_is_allowed(dinkes_officer):
    cycle, person = open_cycle("kis-pbi-apbd"), applicant()
    first = _submit(cycle, person)
    application_reject(actor=dinkes_officer, application_id=first.pk, reason="Data kurang")
    assert _submit(cycle, person).state == S.SUBMITTED


def test_application_outside_the_rules_refused_and_nothing_written():
    with pytest.raises(DomainError) as refused:
        _submit(open_cycle("kis-pbi-apbd"), applicant(desil=8))
    assert refused.value.code == "not_eligible"
    assert refused.value.details[0]["rule"] == "poverty"
    assert not Application.objects.exists() and not EligibilityResult.objects.exists()


def test_quota_full_goes_to_waitlist(dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd", quota=1)
    first = _approve(_submit(cycle, applicant()), dinkes_officer)
    second = _approve(_submit(cycle, applicant()), dinkes_officer)
    assert first.state == S.APPROVED and second.state == S.WAITLISTED


def test_budget_exhausted_goes_to_waitlist(dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd", quota=10, amount=Decimal(100_000))
    Cycle.objects.filter(pk=cycle.pk).update(budget=Decimal(150_000))
    first = _approve(_submit(cycle, applicant()), dinkes_officer)
    second = _approve(_submit(cycle, applicant()), dinkes_officer)
    assert (first.amount, second.amount) == (Decimal(100_000), Decimal(100_000))
    assert first.state == S.APPROVED and second.state == S.WAITLISTED


def test_waitlisted_is_promoted_when_a_slot_frees(dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd", quota=1)
    first = _approve(_submit(cycle, applicant()), dinkes_officer)
    second = _approve(_submit(cycle, applicant()), dinkes_officer)
    enrolment = application_enrol(actor=dinkes_officer, application_id=first.pk)
    enrolment_exit(actor=dinkes_officer, enrolment_id=enrolment.pk, reason="death")
    second.refresh_from_db()
    assert second.state == S.APPROVED


def test_a_waitlisted_application_no_longer_eligible_is_not_promoted(dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd", quota=1)
    first = _approve(_submit(cycle, applicant()), dinkes_officer)
    gone, waiting = applicant(), applicant()
    second = _approve(_submit(cycle, gone), dinkes_officer)
    third = _approve(_submit(cycle, waiting), dinkes_officer)
    assert (second.state, third.state) == (S.WAITLISTED, S.WAITLISTED)
    Household.objects.filter(pk=gone.household_id).update(desil=10, poverty_class="tidak_miskin")
    enrolment = application_enrol(actor=dinkes_officer, application_id=first.pk)
    enrolment_exit(actor=dinkes_officer, enrolment_id=enrolment.pk, reason="death")
    second.refresh_from_db(), third.refresh_from_db()
    assert (second.state, third.state) == (S.WAITLISTED, S.APPROVED)


def test_decision_by_other_agency_officer_refused(disrumkim_officer):
    application = _submit(open_cycle("kis-pbi-apbd"), applicant())
    with pytest.raises(Forbidden) as refused:
        application_verification_start(actor=disrumkim_officer, application_id=application.pk)
    assert refused.value.code == "other_agency"
    application.refresh_from_db()
    assert application.state == S.SUBMITTED


def test_decision_by_puskesos_officer_refused(puskesos_a):
    application = _submit(open_cycle("kis-pbi-apbd"), applicant())
    with pytest.raises(Forbidden):
        application_verification_start(actor=puskesos_a, application_id=application.pk)


def test_dinsos_decides_on_every_agency_programme(dinsos_operator):
    application = _approve(_submit(open_cycle("kis-pbi-apbd"), applicant()), dinsos_operator)
    assert application.state == S.APPROVED


def test_decision_needs_a_reason(dinkes_officer):
    application = _submit(open_cycle("kis-pbi-apbd"), applicant())
    application_verification_start(actor=dinkes_officer, application_id=application.pk)
    with pytest.raises(DomainError):
        application_approve(actor=dinkes_officer, application_id=application.pk, reason=" ")


def test_transition_from_the_wrong_state_refused(dinkes_officer):
    application = _submit(open_cycle("kis-pbi-apbd"), applicant())
    with pytest.raises(Conflict):
        application_enrol(actor=dinkes_officer, application_id=application.pk)


def test_amount_outside_limits_refused():
    with pytest.raises(DomainError) as refused:
        open_cycle("pendidikan-sd", amount=Decimal(2_500_000))
    assert refused.value.code == "amount_out_of_limits"
    cycle = open_cycle("pendidikan-pt", amount=Decimal(10_000_000))
    student = applicant(birth_date=date(2005, 1, 1))
    detail = {"level": "pt", "school_name": "UI", "grade": 1, "student_number": "2306123456"}
    with pytest.raises(DomainError) as refused:
        _submit(cycle, student, detail=detail, channel="school", amount=Decimal(24_000_000))
    assert refused.value.code == "amount_out_of_limits"


def test_puskesos_submits_only_in_own_kelurahan(puskesos_b):
    with pytest.raises(Forbidden):
        _submit(open_cycle("kis-pbi-apbd"), applicant(), actor=puskesos_b)


def test_approval_gate_blocks_approval_until_it_passes(dinkes_officer, monkeypatch):
    monkeypatch.setattr(
        services, "APPROVAL_GATES", [lambda cs: ["Verifikasi lapangan belum"] * len(cs)]
    )
    application = _submit(open_cycle("kis-pbi-apbd"), applicant())
    application_verification_start(actor=dinkes_officer, application_id=application.pk)
    with pytest.raises(DomainError) as refused:
        application_approve(actor=dinkes_officer, application_id=application.pk, reason="ok")
    assert refused.value.code == "gate_failed"
    application.refresh_from_db()
    assert application.state == S.IN_VERIFICATION


def test_enrolment_unique_per_beneficiary_programme_and_cycle(dinkes_officer):
    cycle, person = open_cycle("kis-pbi-apbd"), applicant()
    application = _approve(_submit(cycle, person), dinkes_officer)
    enrolment = application_enrol(actor=dinkes_officer, application_id=application.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            programme=enrolment.programme,
            cycle=cycle,
            year=2026,
            person=person,
            source="import",
            amount=0,
            enrolled_on=date(2026, 1, 1),
        )


def test_exit_records_why(dinkes_officer):
    application = _approve(_submit(open_cycle("kis-pbi-apbd"), applicant()), dinkes_officer)
    enrolment = application_enrol(actor=dinkes_officer, application_id=application.pk)
    with pytest.raises(DomainError):
        enrolment_exit(actor=dinkes_officer, enrolment_id=enrolment.pk, reason="bosan")
    enrolment_exit(actor=dinkes_officer, enrolment_id=enrolment.pk, reason="graduated")
    enrolment.refresh_from_db()
    assert enrolment.status == "exited" and enrolment.exited_on is not None


def test_cycle_open_by_other_agency_refused(disrumkim_officer):
    with pytest.raises(Forbidden):
        cycle_open(
            actor=disrumkim_officer, programme_id=programme("kis-pbi-apbd").pk, year=2027, quota=10
        )


def test_decree_fixes_the_approved_list_numbered(dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd")
    approved = [_approve(_submit(cycle, applicant()), dinkes_officer) for _ in range(3)]
    _submit(cycle, applicant())  # still submitted: not in the decree
    decree = decree_fix(
        actor=dinkes_officer, cycle_id=cycle.pk, number="SK/1/2026", decreed_on=date(2026, 2, 1)
    )
    entries = list(decree.entries.order_by("position"))
    assert [e.position for e in entries] == [1, 2, 3]
    assert {e.application_id for e in entries} == {a.pk for a in approved}
    with pytest.raises(DomainError):  # nothing left to fix
        decree_fix(
            actor=dinkes_officer, cycle_id=cycle.pk, number="SK/2/2026", decreed_on=date(2026, 2, 1)
        )


def test_food_aid_applies_for_elderly(dinsos_operator):
    cycle = open_cycle("bantuan-pangan-kota")
    application = _submit(cycle, applicant(birth_date=ELDERLY), detail={"outlet": "Gerai 1"})
    assert application.state == S.SUBMITTED
