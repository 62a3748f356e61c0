"""The review queue: confirming goes through the registry's services, with history and audit."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.http import Http404

from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.models import AuditEntry
from registry.dukcapil.models import MatchOutcome
from registry.dukcapil.services import outcome_review, outcomes_review_bulk
from registry.models import HouseholdEvent, Person
from registry.services import person_nik_correct
from tests.dukcapil.conftest import run_to_end
from tests.registry.factories import make_nik

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(city, dinsos_operator):
    return run_to_end(dinsos_operator)


def outcome_of(run, name: str) -> MatchOutcome:
    return MatchOutcome.objects.get(run=run, person__full_name=name)


def test_confirming_a_mistyped_nik_corrects_it_through_the_registry(run, dinsos_operator):
    outcome = outcome_of(run, "Ahmad Fauzi")
    outcome_review(actor=dinsos_operator, outcome_id=outcome.pk, decision="confirm", note="KTP")
    person = Person.objects.get(pk=outcome.person_id)
    assert person.nik == outcome.candidate_nik
    event = HouseholdEvent.objects.get(person=person, kind=HouseholdEvent.Kind.EDITED)
    assert "NIK" in event.details["changed"]
    assert outcome.candidate_nik not in str(event.details)  # the history shows it masked
    assert AuditEntry.objects.filter(action="person.nik_correct", target_id=str(person.pk)).exists()
    confirm = AuditEntry.objects.get(action="dukcapil.outcome_confirm", target_id=str(outcome.pk))
    assert confirm.after["applied"] == "person.nik_correct"
    outcome.refresh_from_db()
    assert (outcome.review_status, outcome.reviewed_by) == ("confirmed", dinsos_operator)


def test_confirming_a_missing_nik_fills_it_in(run, dinsos_operator):
    outcome = outcome_of(run, "Nabila Putri")
    outcome_review(actor=dinsos_operator, outcome_id=outcome.pk, decision="confirm")
    person = Person.objects.get(pk=outcome.person_id)
    assert (person.nik, person.nik_status) == (outcome.candidate_nik, "valid")


def test_confirming_a_death_records_it_in_the_registry(run, dinsos_operator):
    outcome = outcome_of(run, "Dewi Lestari")
    outcome_review(actor=dinsos_operator, outcome_id=outcome.pk, decision="confirm")
    person = Person.objects.get(pk=outcome.person_id)
    assert (person.is_deceased, person.death_date) == (True, date(2025, 11, 30))
    assert HouseholdEvent.objects.filter(person=person, kind="death_recorded").exists()
    assert AuditEntry.objects.filter(
        action="person.death_record", target_id=str(person.pk)
    ).exists()


def test_confirming_a_move_takes_the_person_off_the_household(run, dinsos_operator):
    outcome = outcome_of(run, "Eko Prasetyo")
    outcome_review(actor=dinsos_operator, outcome_id=outcome.pk, decision="confirm")
    person = Person.objects.get(pk=outcome.person_id)
    assert (person.household_id, person.moved_out_on) == (None, date(2025, 10, 1))


def test_rejecting_changes_nothing_in_the_registry(run, dinsos_operator):
    outcome = outcome_of(run, "Dewi Lestari")
    outcome_review(actor=dinsos_operator, outcome_id=outcome.pk, decision="reject", note="hidup")
    assert not Person.objects.get(pk=outcome.person_id).is_deceased
    outcome.refresh_from_db()
    assert (outcome.review_status, outcome.review_note) == ("rejected", "hidup")
    assert AuditEntry.objects.filter(action="dukcapil.outcome_reject").exists()


def test_an_outcome_is_reviewed_once(run, dinsos_operator):
    outcome = outcome_of(run, "Slamet Riyadi")
    outcome_review(actor=dinsos_operator, outcome_id=outcome.pk, decision="confirm")
    with pytest.raises(Conflict):
        outcome_review(actor=dinsos_operator, outcome_id=outcome.pk, decision="reject")
    matched = outcome_of(run, "Budi Santoso")
    with pytest.raises(Conflict):
        outcome_review(actor=dinsos_operator, outcome_id=matched.pk, decision="confirm")


def test_a_refused_confirmation_leaves_the_outcome_waiting(run, dinsos_operator):
    # The registry refuses a death before the birth: nothing changes, the outcome still waits.
    outcome = outcome_of(run, "Dewi Lestari")
    with pytest.raises(DomainError) as refused:
        outcome_review(
            actor=dinsos_operator,
            outcome_id=outcome.pk,
            decision="confirm",
            event_date=date(1950, 1, 1),
        )
    assert refused.value.code == "invalid_date"
    outcome.refresh_from_db()
    assert outcome.review_status == "pending"
    assert not Person.objects.get(pk=outcome.person_id).is_deceased


def test_bulk_review_confirms_each_and_reports_refusals(run, dinsos_operator):
    ids = list(
        MatchOutcome.objects.filter(run=run, review_status="pending").values_list("pk", flat=True)
    )
    death = outcome_of(run, "Dewi Lestari")
    MatchOutcome.objects.filter(pk=death.pk).update(event_date=None)  # Dukcapil gave no date
    result = outcomes_review_bulk(actor=dinsos_operator, outcome_ids=ids, decision="confirm")
    assert result.failed == [(death.pk, result.failed[0][1])]
    assert len(result.done) == len(ids) - 1
    assert outcome_of(run, "Dewi Lestari").review_status == "pending"
    assert outcome_of(run, "Ahmad Fauzi").review_status == "confirmed"


def test_only_reviewers_review(run, puskesos_a, auditor_user):
    outcome = outcome_of(run, "Dewi Lestari")
    for outsider in (puskesos_a, auditor_user):
        with pytest.raises(Forbidden):
            outcome_review(actor=outsider, outcome_id=outcome.pk, decision="confirm")


def test_an_outcome_outside_the_scope_is_not_found(run, api_client_factory):
    client, _ = api_client_factory(["dukcapil:write"], kelurahan_codes=["32.76.01.1006"])
    client.user.user_permissions.add(*Permission.objects.filter(codename="review_matchoutcome"))
    outcome = outcome_of(run, "Dewi Lestari")  # Tugu
    with pytest.raises(Http404):
        outcome_review(actor=client.user, outcome_id=outcome.pk, decision="confirm")


def test_the_nik_correction_refuses_a_nik_someone_holds(run, dinsos_operator):
    budi = Person.objects.get(full_name="Budi Santoso")
    fauzi = Person.objects.get(full_name="Ahmad Fauzi")
    with pytest.raises(Conflict):
        person_nik_correct(actor=dinsos_operator, person_id=fauzi.pk, nik=budi.nik, reason="x")
    with pytest.raises(DomainError) as refused:
        person_nik_correct(actor=dinsos_operator, person_id=fauzi.pk, nik="123", reason="x")
    assert refused.value.code == "invalid_nik"
    with pytest.raises(DomainError) as no_reason:
        nik = make_nik(date(1975, 8, 17), "M", 24)
        person_nik_correct(actor=dinsos_operator, person_id=fauzi.pk, nik=nik, reason=" ")
    assert no_reason.value.code == "reason_required"


def test_a_death_found_through_a_mistyped_nik_corrects_the_nik_and_records_it(
    city, dinsos_operator
):
    dewi = city.persons["Dewi Lestari"]  # deceased at Dukcapil
    true_nik = dewi.nik
    Person.objects.filter(pk=dewi.pk).update(nik=true_nik[:14] + true_nik[15] + true_nik[14])
    outcome = outcome_of(run_to_end(dinsos_operator), "Dewi Lestari")
    assert (outcome.outcome, outcome.candidate_nik) == ("deceased", true_nik)
    assert outcome.evidence["nik_mistyped"] is True

    outcome_review(actor=dinsos_operator, outcome_id=outcome.pk, decision="confirm")

    person = Person.objects.get(pk=dewi.pk)
    assert (person.nik, person.is_deceased) == (true_nik, True)
    confirm = AuditEntry.objects.get(action="dukcapil.outcome_confirm", target_id=str(outcome.pk))
    assert confirm.after["applied"] == "person.nik_correct, person.death_record"
