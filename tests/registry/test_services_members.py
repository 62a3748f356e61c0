from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from depok_kds.errors import Conflict, DomainError
from depok_kds.models import AuditEntry, User
from registry.models import Household, Person
from registry.services import (
    household_head_change,
    household_member_add,
    household_member_remove,
    household_register,
    household_split,
    person_death_record,
    person_move,
)
from tests.registry.factories import (
    KELURAHAN_DEPOK,
    KELURAHAN_TUGU,
    MemberDataFactory,
    family_members,
    make_kk,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(dinsos_operator: User) -> Household:
    """Head, wife, child, and an adult son with his wife, in Depok."""
    members = [
        *family_members(full_name="Budi Santoso"),
        MemberDataFactory(full_name="Andi Santoso", birth_date=date(1995, 2, 3)),
        MemberDataFactory(
            full_name="Rina Lestari",
            sex="F",
            birth_date=date(1997, 4, 5),
            relationship=Person.Relationship.CHILD_IN_LAW,
            marital_status=Person.MaritalStatus.MARRIED,
        ),
    ]
    return household_register(
        actor=dinsos_operator,
        kelurahan_code=KELURAHAN_DEPOK,
        rw=2,
        rt=3,
        address="Jl. Flamboyan 1",
        kk_number=make_kk(10),
        members=members,
    ).household


def member(household: Household, name: str) -> Person:
    return household.members.get(full_name=name)


def test_add_member_newborn_without_nik(family: Household, dinsos_operator: User) -> None:
    baby = MemberDataFactory(
        nik=None, full_name="Bayi Santoso", birth_date=timezone.localdate() - timedelta(days=3)
    )
    added = household_member_add(actor=dinsos_operator, household_id=family.pk, member=baby)

    assert added.person.household == family
    assert added.person.nik_status == Person.NikStatus.MISSING
    assert [w.code for w in added.warnings] == ["nik_missing"]
    assert family.events.filter(kind="member_added", person=added.person).exists()


def test_add_member_refuses_a_second_head(family: Household, dinsos_operator: User) -> None:
    with pytest.raises(DomainError) as caught:
        household_member_add(
            actor=dinsos_operator,
            household_id=family.pk,
            member=MemberDataFactory(relationship="1"),
        )
    assert caught.value.code == "head_taken"


def test_add_member_refuses_a_registered_nik(family: Household, dinsos_operator: User) -> None:
    taken = member(family, "Andi Santoso").nik
    with pytest.raises(Conflict) as caught:
        household_member_add(
            actor=dinsos_operator, household_id=family.pk, member=MemberDataFactory(nik=taken)
        )
    assert caught.value.details == {"field": "nik"}
    assert family.registry_number in str(caught.value.message)


def test_remove_member_detaches_and_records_the_reason(
    family: Household, dinsos_operator: User
) -> None:
    andi = member(family, "Andi Santoso")
    moved = timezone.localdate() - timedelta(days=30)

    household_member_remove(
        actor=dinsos_operator, person_id=andi.pk, reason="Pindah ke Bogor", moved_out_on=moved
    )

    andi.refresh_from_db()
    assert andi.household is None and andi.moved_out_on == moved
    event = family.events.get(kind="member_removed")
    assert event.person == andi and event.details["reason"] == "Pindah ke Bogor"
    assert AuditEntry.objects.filter(action="person.remove", target_id=str(andi.pk)).exists()


def test_remove_refuses_the_head_and_a_missing_reason(
    family: Household, dinsos_operator: User
) -> None:
    with pytest.raises(DomainError) as caught:
        household_member_remove(actor=dinsos_operator, person_id=family.head_id, reason="x")
    assert caught.value.code == "is_head"
    with pytest.raises(DomainError) as caught:
        household_member_remove(
            actor=dinsos_operator, person_id=member(family, "Andi Santoso").pk, reason=" "
        )
    assert caught.value.code == "reason_required"


def test_move_member_to_another_household(family: Household, dinsos_operator: User) -> None:
    other = household_register(
        actor=dinsos_operator,
        kelurahan_code=KELURAHAN_TUGU,
        rw=1,
        rt=1,
        address="Jl. Tugu 9",
        kk_number=make_kk(11),
        members=family_members(),
    ).household
    rina = member(family, "Rina Lestari")

    person_move(
        actor=dinsos_operator,
        person_id=rina.pk,
        to_household_id=other.pk,
        relationship=Person.Relationship.OTHER_RELATIVE,
    )

    rina.refresh_from_db()
    assert rina.household == other and rina.relationship == "9"
    out = family.events.get(kind="member_moved_out")
    assert out.details == {"to_household": other.registry_number}
    moved_in = other.events.get(kind="member_moved_in")
    assert moved_in.details["from_household"] == family.registry_number


def test_move_needs_scope_over_both_households(
    family: Household, dinsos_operator: User, puskesos_a: User
) -> None:
    other = household_register(
        actor=dinsos_operator,
        kelurahan_code=KELURAHAN_TUGU,
        rw=1,
        rt=1,
        address="Jl. Tugu 9",
        kk_number=make_kk(11),
        members=family_members(),
    ).household
    rina = member(family, "Rina Lestari")
    with pytest.raises(Http404):
        person_move(actor=puskesos_a, person_id=rina.pk, to_household_id=other.pk, relationship="9")
    rina.refresh_from_db()
    assert rina.household == family


def test_split_kk_moves_members_to_a_new_household_with_its_own_head_and_card(
    family: Household, dinsos_operator: User
) -> None:
    andi, rina = member(family, "Andi Santoso"), member(family, "Rina Lestari")

    new = household_split(
        actor=dinsos_operator,
        household_id=family.pk,
        person_ids=[andi.pk, rina.pk],
        head_id=andi.pk,
        kk_number=make_kk(12),
        relationships={rina.pk: Person.Relationship.WIFE},
    )

    andi.refresh_from_db()
    rina.refresh_from_db()
    assert new.head == andi and andi.relationship == "1"
    assert rina.household == new and rina.relationship == "3"
    assert (new.kelurahan_id, new.rw, new.rt, new.address) == (
        KELURAHAN_DEPOK,
        2,
        3,
        "Jl. Flamboyan 1",
    )
    assert new.family_cards.get(valid_to__isnull=True).number == make_kk(12)
    assert family.members.count() == 3 and family.head.full_name == "Budi Santoso"
    assert family.events.get(kind="split").details["new_household"] == new.registry_number
    assert new.events.get(kind="registered").details["split_from"] == family.registry_number


def test_split_refuses_to_take_the_head_away(family: Household, dinsos_operator: User) -> None:
    with pytest.raises(DomainError) as caught:
        household_split(
            actor=dinsos_operator,
            household_id=family.pk,
            person_ids=[family.head_id],
            head_id=family.head_id,
            kk_number=make_kk(12),
        )
    assert caught.value.code == "is_head"
    assert Household.objects.count() == 1


def test_change_head_gives_the_previous_head_a_new_relationship(
    family: Household, dinsos_operator: User
) -> None:
    budi, andi = family.head, member(family, "Andi Santoso")

    household_head_change(
        actor=dinsos_operator,
        household_id=family.pk,
        new_head_id=andi.pk,
        previous_head_relationship=Person.Relationship.PARENT,
    )

    family.refresh_from_db()
    budi.refresh_from_db()
    andi.refresh_from_db()
    assert family.head == andi and andi.relationship == "1" and budi.relationship == "7"
    event = family.events.get(kind="head_changed")
    assert event.person == andi and event.details["previous_head_id"] == budi.pk


def test_change_head_needs_the_previous_heads_new_relationship(
    family: Household, dinsos_operator: User
) -> None:
    andi = member(family, "Andi Santoso")
    with pytest.raises(DomainError) as caught:
        household_head_change(actor=dinsos_operator, household_id=family.pk, new_head_id=andi.pk)
    assert caught.value.details == {"field": "previous_head_relationship"}


def test_death_of_the_head_leaves_the_household_waiting_for_a_new_head(
    family: Household, dinsos_operator: User
) -> None:
    budi = family.head
    died = timezone.localdate() - timedelta(days=2)

    person_death_record(actor=dinsos_operator, person_id=budi.pk, death_date=died)

    family.refresh_from_db()
    budi.refresh_from_db()
    assert budi.is_deceased and budi.death_date == died
    assert family.head is None
    event = family.events.get(kind="death_recorded")
    assert event.details["was_head"] is True and event.details["new_head_needed"] is True

    # The widow becomes head; the deceased keeps code 1 as history.
    wife = family.members.get(relationship="3")
    household_head_change(actor=dinsos_operator, household_id=family.pk, new_head_id=wife.pk)
    family.refresh_from_db()
    assert family.head == wife
    assert family.members.filter(relationship="1").count() == 2


def test_death_date_must_be_plausible(family: Household, dinsos_operator: User) -> None:
    with pytest.raises(DomainError):
        person_death_record(
            actor=dinsos_operator,
            person_id=family.head_id,
            death_date=timezone.localdate() + timedelta(days=1),
        )


def test_a_deceased_person_cannot_be_moved(family: Household, dinsos_operator: User) -> None:
    andi = member(family, "Andi Santoso")
    person_death_record(actor=dinsos_operator, person_id=andi.pk, death_date=date(2024, 1, 1))
    with pytest.raises(DomainError) as caught:
        household_split(
            actor=dinsos_operator,
            household_id=family.pk,
            person_ids=[andi.pk],
            head_id=andi.pk,
            kk_number=make_kk(12),
        )
    assert caught.value.code == "person_deceased"
