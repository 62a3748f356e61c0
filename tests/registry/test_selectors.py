from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404
from pytest_django import DjangoAssertNumQueries

from depok_kds.models import User
from registry.models import Household
from registry.selectors import (
    household_get,
    household_history,
    household_list,
    kelurahan_list,
    mask_nik,
    person_get_by_nik,
)
from registry.services import family_card_change, household_register
from tests.registry.factories import (
    KELURAHAN_DEPOK,
    KELURAHAN_TUGU,
    FamilyCardFactory,
    HouseholdFactory,
    PersonFactory,
    family_members,
    make_kk,
)

pytestmark = pytest.mark.django_db


def register(name: str, *, kk: int, kelurahan: str = KELURAHAN_DEPOK, **kw: int) -> Household:
    return household_register(
        actor=None,
        kelurahan_code=kelurahan,
        rw=kw.get("rw", 1),
        rt=kw.get("rt", 1),
        address="Jl. Kamboja 3",
        kk_number=make_kk(kk),
        members=family_members(full_name=name),
    ).household


def test_mask_nik_keeps_first_and_last_four() -> None:
    assert mask_nik("3276014101900001") == "3276••••••••0001"
    assert mask_nik(None) == ""


def test_search_by_nik_and_by_current_kk(dinsos_operator: User) -> None:
    target = register("Slamet Riyadi", kk=1)
    register("Joko Widodo", kk=2)

    by_nik = household_list(user=dinsos_operator, q=target.head.nik)
    by_kk = household_list(user=dinsos_operator, q=make_kk(1))
    spaced = household_list(
        user=dinsos_operator, q=" ".join(make_kk(1)[i : i + 4] for i in (0, 4, 8, 12))
    )

    assert list(by_nik) == [target]
    assert list(by_kk) == [target]
    assert list(spaced) == [target]


def test_search_by_a_closed_kk_finds_nothing(dinsos_operator: User) -> None:
    target = register("Slamet Riyadi", kk=1)
    family_card_change(actor=None, household_id=target.pk, kk_number=make_kk(5))
    assert list(household_list(user=dinsos_operator, q=make_kk(1))) == []
    assert list(household_list(user=dinsos_operator, q=make_kk(5))) == [target]


@pytest.mark.parametrize(
    "query",
    [
        "Muhammad Rizki Saputra",
        "Muhamad Rizky Saputra",
        "M. Rizki Saputra",
        "Moch Rizki",
        "H. Muhammad Rizki bin Saputra",
        "rizki saputra",
    ],
)
def test_name_search_tolerates_spelling_variants(dinsos_operator: User, query: str) -> None:
    target = register("H. Mohammad Rizki Saputra", kk=1)
    register("Siti Aminah", kk=2)
    register("Bambang Pamungkas", kk=3)

    assert list(household_list(user=dinsos_operator, q=query)) == [target]


@pytest.mark.parametrize(
    "stored,query",
    [
        ("Soekarno", "Sukarno"),
        ("Slamet Riyadi", "Selamet"),
        ("Djoko Susilo", "Joko Susilo"),
        ("Hj. Siti Aminah binti Abdullah", "Siti Aminah Abdullah"),
        ("Zainal Abidin", "Zaenal Abidin"),
        ("Siti Nur Haliza", "Siti Nurhaliza"),
    ],
)
def test_name_search_old_spelling_titles_and_typos(
    dinsos_operator: User, stored: str, query: str
) -> None:
    target = register(stored, kk=1)
    register("Bambang Pamungkas", kk=2)
    assert list(household_list(user=dinsos_operator, q=query)) == [target]


def test_name_search_finds_any_member_and_ranks_the_closest_first(dinsos_operator: User) -> None:
    exact = register("Dewi Lestari", kk=1)
    close = register("Dewi Lestary Putri", kk=2)
    register("Agus Salim", kk=3)

    result = list(household_list(user=dinsos_operator, q="Dewi Lestari"))

    assert result[:2] == [exact, close]
    assert result[0].found >= result[1].found


def test_name_of_only_titles_finds_nothing(dinsos_operator: User) -> None:
    register("Haji Slamet", kk=1)
    assert list(household_list(user=dinsos_operator, q="H.")) == []


def test_filters_by_wilayah_class_and_desil(dinsos_operator: User) -> None:
    depok = HouseholdFactory(
        kelurahan_id=KELURAHAN_DEPOK, rw=4, rt=2, poverty_class="miskin", desil=2
    )
    HouseholdFactory(kelurahan_id=KELURAHAN_DEPOK, rw=4, rt=3, poverty_class="rentan", desil=6)
    tugu = HouseholdFactory(kelurahan_id=KELURAHAN_TUGU, rw=1, rt=1)

    def ids(**filters: Any) -> set[int]:
        return {h.pk for h in household_list(user=dinsos_operator, **filters)}

    assert ids(kelurahan=KELURAHAN_TUGU) == {tugu.pk}
    assert ids(kecamatan="32.76.02") == {tugu.pk}
    assert ids(rw=4, rt=2) == {depok.pk}
    assert ids(poverty_class="miskin") == {depok.pk}
    assert ids(desil_max=5) == {depok.pk}


def test_puskesos_officer_sees_only_their_kelurahan(puskesos_a: User, puskesos_b: User) -> None:
    depok = register("Slamet Riyadi", kk=1, kelurahan=KELURAHAN_DEPOK)
    tugu = register("Slamet Rahardjo", kk=2, kelurahan=KELURAHAN_TUGU)

    assert list(household_list(user=puskesos_a, q="Slamet")) == [depok]
    assert list(household_list(user=puskesos_b, q="Slamet")) == [tugu]
    assert list(household_list(user=puskesos_b, q=depok.head.nik)) == []
    assert household_get(user=puskesos_a, household_id=depok.pk) == depok
    with pytest.raises(Http404):
        household_get(user=puskesos_b, household_id=depok.pk)
    with pytest.raises(Http404):
        person_get_by_nik(user=puskesos_b, nik=depok.head.nik)
    assert [k.code for k in kelurahan_list(user=puskesos_b)] == [KELURAHAN_TUGU]


def test_leadership_and_agencies(leader: User, dinkes_officer: User) -> None:
    household = register("Slamet Riyadi", kk=1)
    assert list(household_list(user=leader)) == []
    with pytest.raises(Http404):
        household_get(user=leader, household_id=household.pk)
    # Agency officers look applicants up in the shared registry.
    assert household_get(user=dinkes_officer, household_id=household.pk) == household


def test_person_get_by_nik(dinsos_operator: User) -> None:
    household = register("Slamet Riyadi", kk=1)
    person = person_get_by_nik(user=dinsos_operator, nik=household.head.nik)
    assert person == household.head
    with pytest.raises(Http404):
        person_get_by_nik(user=dinsos_operator, nik="3276010101900999")


def test_history_newest_first(dinsos_operator: User) -> None:
    household = register("Slamet Riyadi", kk=1)
    family_card_change(actor=dinsos_operator, household_id=household.pk, kk_number=make_kk(4))
    assert [e.kind for e in household_history(household=household)] == ["kk_changed", "registered"]


def test_search_page_query_count_does_not_grow_with_results(
    dinsos_operator: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(30):
        household = HouseholdFactory()
        head = PersonFactory(household=household, full_name=f"Siti Rahayu {n}", relationship="1")
        Household.objects.filter(pk=household.pk).update(head=head)
        FamilyCardFactory(household=household)

    # The user's roles (once per request), the typed words' spellings, the search itself.
    with django_assert_max_num_queries(3):
        rows = [
            (h.registry_number, h.head.full_name, h.kelurahan.kecamatan.name)
            for h in household_list(user=dinsos_operator, q="siti rahayu")
        ]
    assert len(rows) == 30
    with django_assert_max_num_queries(1):
        assert len(list(household_list(user=dinsos_operator, kelurahan=KELURAHAN_DEPOK))) == 30
