from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.models import AuditEntry, User
from registry.models import FamilyCard, Household, HouseholdEvent, Person
from registry.services import (
    HouseholdRegistration,
    MemberData,
    family_card_change,
    household_register,
    household_update_address,
)
from tests.registry.factories import (
    KELURAHAN_DEPOK,
    KELURAHAN_TUGU,
    MemberDataFactory,
    family_members,
    make_kk,
)

pytestmark = pytest.mark.django_db


def register(
    actor: User | None,
    *,
    kelurahan: str = KELURAHAN_DEPOK,
    kk: str | None = None,
    members: list[MemberData] | None = None,
    **kwargs: Any,
) -> HouseholdRegistration:
    return household_register(
        actor=actor,
        kelurahan_code=kelurahan,
        rw=kwargs.pop("rw", 3),
        rt=kwargs.pop("rt", 5),
        address=kwargs.pop("address", "Jl. Kenanga No. 7"),
        kk_number=kk or make_kk(1),
        members=members if members is not None else family_members(),
        **kwargs,
    )


def test_register_creates_household_members_card_event_and_audit(dinsos_operator: User) -> None:
    members = family_members(full_name="H. Moch. Soekarno")
    result = register(dinsos_operator, members=members)

    household = Household.objects.get()
    assert result.household == household
    assert household.registry_number == f"KDS-{household.pk:07d}"
    assert household.kelurahan_id == KELURAHAN_DEPOK
    assert (household.rw, household.rt) == (3, 5)
    assert household.poverty_class == "" and household.desil is None
    people = list(household.members.order_by("pk"))
    assert [p.relationship for p in people] == ["1", "3", "4"]
    assert household.head == people[0]
    assert people[0].name_normalized == "muhammad sukarno"
    assert {p.nik for p in people} == {m.nik for m in members}
    card = FamilyCard.objects.get()
    assert card.number == make_kk(1) and card.valid_to is None
    event = HouseholdEvent.objects.get(household=household)
    assert event.kind == "registered" and event.actor == dinsos_operator
    assert make_kk(1) not in str(event.details)  # masked in the visible history
    audit = AuditEntry.objects.get(action="household.register")
    assert audit.actor == dinsos_operator and audit.target_id == str(household.pk)
    assert result.warnings == []


def test_register_refuses_bad_nik_with_the_clerk_message_and_member_index(
    dinsos_operator: User,
) -> None:
    members = family_members()
    members[1] = MemberDataFactory(nik="3276014101900", sex="F", relationship="3")

    with pytest.raises(DomainError) as caught:
        register(dinsos_operator, members=members)

    assert caught.value.details == {"member": 1, "field": "nik"}
    assert caught.value.code == "invalid_nik"
    assert "16 digit" in str(caught.value.message)
    assert not Household.objects.exists()


def test_register_refuses_excel_damaged_nik(dinsos_operator: User) -> None:
    members = family_members()
    members[2] = MemberDataFactory(nik="3.27601E+15")
    with pytest.raises(DomainError) as caught:
        register(dinsos_operator, members=members)
    assert caught.value.details == {"member": 2, "field": "nik"}
    assert "Excel" in str(caught.value.message)


def test_register_refuses_bad_kk(dinsos_operator: User) -> None:
    with pytest.raises(DomainError) as caught:
        register(dinsos_operator, kk="32760115032")
    assert caught.value.details == {"field": "kk_number"}
    assert "No. KK" in str(caught.value.message)


@pytest.mark.parametrize("heads", [0, 2])
def test_register_needs_exactly_one_head(dinsos_operator: User, heads: int) -> None:
    members = [MemberDataFactory(relationship="1") for _ in range(heads)]
    members += [MemberDataFactory(relationship="4")]
    with pytest.raises(DomainError) as caught:
        register(dinsos_operator, members=members)
    assert caught.value.code == "head_count"


def test_register_refuses_registered_nik_naming_household_to_who_may_see_it(
    dinsos_operator: User, puskesos_a: User
) -> None:
    first = register(dinsos_operator).household
    taken = first.head.nik
    members = family_members(nik=taken)

    with pytest.raises(Conflict) as caught:
        register(puskesos_a, kk=make_kk(2), members=members)

    assert caught.value.details == {"member": 0, "field": "nik"}
    assert first.registry_number in str(caught.value.message)
    assert Household.objects.count() == 1


def test_register_refuses_registered_nik_without_naming_a_household_out_of_scope(
    dinsos_operator: User, puskesos_b: User
) -> None:
    first = register(dinsos_operator).household  # in Depok, puskesos_b works in Tugu
    members = family_members(nik=first.head.nik)

    with pytest.raises(Conflict) as caught:
        register(puskesos_b, kelurahan=KELURAHAN_TUGU, kk=make_kk(2), members=members)

    assert first.registry_number not in str(caught.value.message)
    assert "keluarga lain" in str(caught.value.message)  # "another household", in Indonesian


def test_register_refuses_the_same_nik_twice_in_one_family(dinsos_operator: User) -> None:
    members = family_members()
    members[2] = MemberDataFactory(nik=members[1].nik, sex="F", birth_date=members[1].birth_date)
    with pytest.raises(DomainError) as caught:
        register(dinsos_operator, members=members)
    assert caught.value.details == {"member": 2, "field": "nik"}


def test_register_refuses_an_open_kk_of_another_household(dinsos_operator: User) -> None:
    first = register(dinsos_operator).household
    with pytest.raises(Conflict) as caught:
        register(dinsos_operator, members=family_members())
    assert caught.value.details == {"field": "kk_number"}
    assert first.registry_number in str(caught.value.message)


def test_newborn_without_nik_is_registered_and_flagged(dinsos_operator: User) -> None:
    members = family_members()
    members.append(
        MemberDataFactory(nik=None, birth_date=timezone.localdate() - timedelta(days=10))
    )

    result = register(dinsos_operator, members=members)

    baby = result.household.members.get(nik__isnull=True)
    assert baby.nik_status == Person.NikStatus.MISSING
    assert [(w.member, w.field, w.code) for w in result.warnings] == [(3, "nik", "nik_missing")]


def test_nik_disagreeing_with_sex_and_birth_date_is_a_warning_not_a_refusal(
    dinsos_operator: User,
) -> None:
    members = family_members()
    wife = members[1]
    members[1] = MemberDataFactory(nik=wife.nik, sex="M", birth_date=date(1975, 1, 2))

    result = register(dinsos_operator, members=members)

    codes = {(w.member, w.code) for w in result.warnings}
    assert codes == {(1, "sex_mismatch"), (1, "birth_date_mismatch")}
    assert result.household.members.count() == 3


def test_puskesos_officer_registers_only_in_own_kelurahan(puskesos_a: User) -> None:
    assert register(puskesos_a).household.kelurahan_id == KELURAHAN_DEPOK
    with pytest.raises(Forbidden):
        register(puskesos_a, kelurahan=KELURAHAN_TUGU, kk=make_kk(2), members=family_members())


def test_leadership_cannot_register(leader: User) -> None:
    with pytest.raises(Forbidden):
        register(leader)


@pytest.mark.parametrize("field,value", [("rt", 0), ("rw", 1000), ("address", "  ")])
def test_register_refuses_bad_address(dinsos_operator: User, field: str, value: int | str) -> None:
    with pytest.raises(DomainError) as caught:
        register(dinsos_operator, **{field: value})
    assert caught.value.details == {"field": field}


def test_register_refuses_unknown_kelurahan(dinsos_operator: User) -> None:
    with pytest.raises(DomainError) as caught:
        register(dinsos_operator, kelurahan="32.76.01.9999")
    assert caught.value.details == {"field": "kelurahan_code"}


def test_kk_change_closes_the_old_card_and_keeps_the_history(dinsos_operator: User) -> None:
    household = register(dinsos_operator, kk_valid_from=date(2020, 3, 15)).household
    today = timezone.localdate()

    card = family_card_change(
        actor=dinsos_operator, household_id=household.pk, kk_number=make_kk(77)
    )

    old, new = FamilyCard.objects.filter(household=household).order_by("valid_from")
    assert (old.number, old.valid_to) == (make_kk(1), today)
    assert new == card and (new.number, new.valid_from, new.valid_to) == (make_kk(77), today, None)
    event = household.events.get(kind="kk_changed")
    assert event.details == {"old": "3276••••••••0002", "new": "3276••••••••0078"}
    # The released number may be taken by another household afterwards.
    other = register(dinsos_operator, kk=make_kk(1), members=family_members()).household
    assert other.family_cards.get().number == make_kk(1)


def test_kk_change_refuses_the_current_number_and_a_number_held_elsewhere(
    dinsos_operator: User,
) -> None:
    first = register(dinsos_operator).household
    second = register(dinsos_operator, kk=make_kk(2), members=family_members()).household
    with pytest.raises(DomainError) as caught:
        family_card_change(actor=dinsos_operator, household_id=first.pk, kk_number=make_kk(1))
    assert caught.value.code == "kk_unchanged"
    with pytest.raises(Conflict):
        family_card_change(actor=dinsos_operator, household_id=first.pk, kk_number=make_kk(2))
    assert second.family_cards.get().valid_to is None


def test_kk_change_out_of_scope_is_not_found(dinsos_operator: User, puskesos_b: User) -> None:
    household = register(dinsos_operator).household
    with pytest.raises(Http404):
        family_card_change(actor=puskesos_b, household_id=household.pk, kk_number=make_kk(9))


def test_update_address_records_the_change(dinsos_operator: User) -> None:
    household = register(dinsos_operator).household

    household_update_address(
        actor=dinsos_operator, household_id=household.pk, address="Jl. Mawar 2", rw=4, rt=5
    )

    household.refresh_from_db()
    assert (household.address, household.rw) == ("Jl. Mawar 2", 4)
    event = household.events.get(kind="edited")
    assert event.details["changed"] == {
        "address": ["Jl. Kenanga No. 7", "Jl. Mawar 2"],
        "rw": [3, 4],
    }
    assert AuditEntry.objects.filter(action="household.update_address").count() == 1


def test_puskesos_officer_cannot_move_a_household_out_of_their_kelurahan(puskesos_a: User) -> None:
    household = register(puskesos_a).household
    with pytest.raises(Forbidden):
        household_update_address(
            actor=puskesos_a,
            household_id=household.pk,
            address="Jl. Tugu 1",
            rw=1,
            rt=1,
            kelurahan_code=KELURAHAN_TUGU,
        )


def test_a_name_that_normalising_lengthens_is_registered_and_a_too_long_one_refused(
    dinsos_operator,
):
    long_name = " ".join(["Mhd"] * 30)  # 119 characters; "muhammad" thirty times normalised
    household = register(dinsos_operator, members=family_members(full_name=long_name)).household
    head = household.members.get(relationship=Person.Relationship.HEAD)
    assert head.full_name == long_name and len(head.name_normalized) == 150
    with pytest.raises(DomainError) as refused:
        register(dinsos_operator, kk=make_kk(2), members=family_members(full_name="A" * 151))
    assert "150" in str(refused.value.message)
