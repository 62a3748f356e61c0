"""Helpers for card tests: households and students holding a KDS programme, cards in a state."""

from __future__ import annotations

from datetime import date

from distribution.cards.models import Card
from distribution.cards.services import card_activate, card_hand_over, card_request, cards_printed
from programs.models import Enrolment
from registry.models import Household, Person
from tests.programs.factories import open_cycle, programme
from tests.registry.factories import KELURAHAN_DEPOK, HouseholdFactory, PersonFactory

FAMILY_PROGRAMME = "kis-pbi-apbd"
STUDENT_PROGRAMME = "pendidikan-smp"


def enrol(person: Person, code: str = FAMILY_PROGRAMME) -> Enrolment:
    cycle = open_cycle(code, quota=1000)
    return Enrolment.objects.create(
        programme=programme(code),
        cycle=cycle,
        year=cycle.year,
        person=person,
        household_id=person.household_id,
        kelurahan_code=person.household.kelurahan_id if person.household else "",
        source=Enrolment.Source.IMPORT,
        amount=cycle.amount,
        enrolled_on=date(cycle.year, 2, 1),
    )


def household_with_head(
    kelurahan: str = KELURAHAN_DEPOK, *, name: str = "Budi Santoso"
) -> Household:
    household = HouseholdFactory(kelurahan_id=kelurahan)
    head = PersonFactory(household=household, relationship=Person.Relationship.HEAD, full_name=name)
    household.head = head
    household.save(update_fields=["head"])
    return household


def entitled_household(
    kelurahan: str = KELURAHAN_DEPOK, *, name: str = "Budi Santoso"
) -> Household:
    """A household whose head holds a KDS programme (KIS PBI-APBD)."""
    household = household_with_head(kelurahan, name=name)
    assert household.head is not None
    enrol(household.head)
    return household


def enrolled_student(household: Household, *, name: str = "Rina Amelia") -> Person:
    student = PersonFactory(household=household, full_name=name, birth_date=date(2012, 6, 1))
    enrol(student, STUDENT_PROGRAMME)
    return student


def family_card(household: Household | None = None, *, state: str = "requested") -> Card:
    """A family card in `state` (requested, printed, handed_over or active), by the services."""
    household = household or entitled_household()
    card = card_request(actor=None, kind="family", household_id=household.pk)
    if state == "requested":
        return card
    cards_printed(actor=None, card_ids=[card.pk], on=date(2026, 11, 2))
    if state == "printed":
        return Card.objects.get(pk=card.pk)
    card_hand_over(actor=None, card_id=card.pk, received_by="Budi Santoso", on=date(2026, 11, 3))
    if state == "handed_over":
        return Card.objects.get(pk=card.pk)
    return card_activate(actor=None, card_id=card.pk)
