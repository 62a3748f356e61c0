"""The card lifecycle: who gets a card, each transition from its allowed states only, a
replaced card's old QR answering "replaced", a split KK getting its own card, and ends."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404

from depok_kds.errors import Conflict, DomainError
from depok_kds.models import AuditEntry
from distribution.cards.models import Card, CardEvent
from distribution.cards.selectors import card_public_status, card_status_by_token
from distribution.cards.services import (
    card_hand_over,
    card_replace,
    card_request,
    card_revoke,
    cards_request_kelurahan,
    cards_revoke_unentitled,
)
from distribution.cards.signing import token_sign
from programs.models import Enrolment
from programs.services import enrolment_exit
from registry.services import household_split, person_death_record
from tests.cards.factories import (
    enrol,
    enrolled_student,
    entitled_household,
    family_card,
    household_with_head,
)
from tests.registry.factories import (
    KELURAHAN_TUGU,
    PersonFactory,
    life_event_follow_ups_run,
    make_kk,
)

pytestmark = pytest.mark.django_db


def test_family_card_needs_a_kds_programme():
    household = household_with_head()
    with pytest.raises(DomainError) as refused:
        card_request(actor=None, kind="family", household_id=household.pk)
    assert refused.value.code == "not_entitled"
    assert not Card.objects.exists()


def test_family_card_number_follows_the_household_and_the_request_is_recorded(dinsos_operator):
    household = entitled_household()
    card = card_request(actor=dinsos_operator, kind="family", household_id=household.pk)
    assert card.number == Card.objects.get().number
    assert card.number[1:9] == f"{household.pk:08d}" and card.issue == 1
    assert card.state == "requested" and card.kelurahan_code == household.kelurahan_id
    assert list(card.events.values_list("kind", "actor")) == [("requested", dinsos_operator.pk)]
    assert AuditEntry.objects.filter(action="card.request", target_id=str(card.pk)).exists()


def test_a_second_live_card_is_refused():
    card = family_card()
    with pytest.raises(Conflict):
        card_request(actor=None, kind="family", household_id=card.household_id)


def test_student_card_needs_an_education_enrolment():
    household = entitled_household()
    not_a_student = PersonFactory(household=household)
    with pytest.raises(DomainError):
        card_request(actor=None, kind="student", student_id=not_a_student.pk)
    student = enrolled_student(household)
    card = card_request(actor=None, kind="student", student_id=student.pk)
    assert card.number.startswith("2") and card.student_id == student.pk


def test_request_outside_the_officers_kelurahan_is_a_404(puskesos_b):
    household = entitled_household()
    with pytest.raises(Http404):
        card_request(actor=puskesos_b, kind="family", household_id=household.pk)


def test_kelurahan_request_takes_every_entitled_holder_once(puskesos_a):
    entitled = [entitled_household(), entitled_household()]
    enrolled_student(entitled[0])
    household_with_head()  # holds no programme
    entitled_household(KELURAHAN_TUGU)  # another kelurahan
    created = cards_request_kelurahan(actor=puskesos_a, kelurahan_code=entitled[0].kelurahan_id)
    assert sorted(c.kind for c in created) == ["family", "family", "student"]
    again = cards_request_kelurahan(actor=puskesos_a, kelurahan_code=entitled[0].kelurahan_id)
    assert again == []


def test_hand_over_records_who_received_when_and_which_officer(puskesos_a):
    card = family_card(state="printed")
    with pytest.raises(DomainError):
        card_hand_over(actor=puskesos_a, card_id=card.pk, received_by=" ", on=date(2026, 11, 3))
    card = card_hand_over(
        actor=puskesos_a, card_id=card.pk, received_by="Siti Aminah", on=date(2026, 11, 3)
    )
    assert (card.state, card.received_by, card.handed_over_on, card.handed_over_by) == (
        "handed_over",
        "Siti Aminah",
        date(2026, 11, 3),
        puskesos_a,
    )


def test_a_requested_card_cannot_be_handed_over():
    card = family_card()
    with pytest.raises(Conflict):
        card_hand_over(actor=None, card_id=card.pk, received_by="X", on=date(2026, 11, 3))


def test_officer_of_another_kelurahan_cannot_hand_over(puskesos_b):
    card = family_card(state="printed")
    with pytest.raises(Http404):
        card_hand_over(actor=puskesos_b, card_id=card.pk, received_by="X", on=date(2026, 11, 3))


def test_replaced_cards_old_qr_answers_replaced_and_the_new_one_valid():
    card = family_card(state="active")
    old_token = token_sign(card.number)
    assert card_status_by_token(old_token).answer == "valid"
    successor = card_replace(actor=None, card_id=card.pk, reason="lost")
    card.refresh_from_db()
    assert (card.state, card.end_reason) == ("replaced", "lost")
    assert successor.number != card.number and successor.issue == 2
    assert successor.number[:9] == card.number[:9] and successor.replaces_id == card.pk
    old = card_status_by_token(old_token)
    assert old.answer == "replaced" and old.holder == "B••• S••••••"
    assert card_public_status(number=successor.number).answer == "not_valid"  # not handed yet
    with pytest.raises(Conflict):
        card_replace(actor=None, card_id=card.pk, reason="lost")


def test_revoked_unknown_and_forged_get_the_same_neutral_answer():
    card = family_card(state="active")
    card_revoke(actor=None, card_id=card.pk, reason="left_city")
    revoked = card_status_by_token(token_sign(card.number))
    head, _signature = token_sign(card.number).rsplit(".", 1)
    forged = card_status_by_token(f"{head}.{'A' * 103}")
    unknown = card_status_by_token(token_sign("100000000018"))
    assert revoked == forged == unknown
    assert revoked.answer == "not_valid" and revoked.holder == "" and revoked.kelurahan == ""


def test_split_kk_gets_its_own_card_and_the_old_card_stays():
    household = entitled_household()
    old_card = family_card(household, state="active")
    leaving = PersonFactory(household=household, full_name="Andi Wijaya")
    enrol(leaving)
    new = household_split(
        actor=None,
        household_id=household.pk,
        person_ids=[leaving.pk],
        head_id=leaving.pk,
        kk_number=make_kk(777, kecamatan="327601"),
    )
    new_card = Card.objects.get(household=new, kind="family")
    assert new_card.state == "requested" and new_card.number[1:9] == f"{new.pk:08d}"
    old_card.refresh_from_db()
    assert old_card.state == "active"


def test_split_without_a_programme_for_the_new_household_gives_no_card():
    household = entitled_household()
    family_card(household, state="active")
    leaving = PersonFactory(household=household)
    household_split(
        actor=None,
        household_id=household.pk,
        person_ids=[leaving.pk],
        head_id=leaving.pk,
        kk_number=make_kk(778, kecamatan="327601"),
    )
    assert Card.objects.count() == 1


def test_a_students_death_ends_the_student_card():
    household = entitled_household()
    student = enrolled_student(household)
    card = card_request(actor=None, kind="student", student_id=student.pk)
    person_death_record(actor=None, person_id=student.pk, death_date=date(2026, 11, 1))
    life_event_follow_ups_run()  # the death's follow-up, queued after its commit
    card.refresh_from_db()
    assert (card.state, card.end_reason) == ("revoked", "deceased")
    assert card.events.filter(kind=CardEvent.Kind.REVOKED).exists()


def test_sweep_revokes_holders_without_a_programme_and_graduates():
    household = entitled_household()
    family = family_card(household, state="active")
    student = enrolled_student(household)
    student_card = card_request(actor=None, kind="student", student_id=student.pk)
    assert cards_revoke_unentitled() == {"family": 0, "student": 0}
    for enrolment in Enrolment.objects.filter(person=student):
        enrolment_exit(actor=None, enrolment_id=enrolment.pk, reason="graduated")
    assert cards_revoke_unentitled() == {"family": 0, "student": 1}
    student_card.refresh_from_db()
    assert student_card.end_reason == "graduated"
    for enrolment in Enrolment.objects.filter(person=household.head, status="active"):
        enrolment_exit(actor=None, enrolment_id=enrolment.pk, reason="no_longer_eligible")
    assert cards_revoke_unentitled() == {"family": 1, "student": 0}
    family.refresh_from_db()
    assert (family.state, family.end_reason) == ("revoked", "no_programme")


def test_revoke_needs_a_known_reason_and_a_live_card():
    card = family_card()
    with pytest.raises(DomainError):
        card_revoke(actor=None, card_id=card.pk, reason="because")
    card_revoke(actor=None, card_id=card.pk, reason="wrong_data")
    with pytest.raises(Conflict):
        card_revoke(actor=None, card_id=card.pk, reason="wrong_data")
    # A revoked household card frees the household for a new one.
    assert card_request(actor=None, kind="family", household_id=card.household_id).issue == 2
