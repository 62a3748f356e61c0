"""Name search at city scale: exact names first, candidates from the user's scope, whole words."""

from __future__ import annotations

import pytest
from pytest_django import DjangoAssertNumQueries

from depok_kds.models import User
from registry import selectors
from registry.models import Household
from registry.selectors import household_list, person_list
from tests.registry.factories import (
    KELURAHAN_DEPOK,
    KELURAHAN_TUGU,
    HouseholdFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def household(name: str, *, kelurahan: str = KELURAHAN_DEPOK) -> Household:
    home = HouseholdFactory(kelurahan_id=kelurahan)
    head = PersonFactory(household=home, full_name=name, relationship="1")
    Household.objects.filter(pk=home.pk).update(head=head)
    home.head = head
    return home


def test_exact_names_come_before_longer_names_with_the_same_words(dinsos_operator: User) -> None:
    longer = household("Siti Aminah Putri")
    exact = household("Hj. Siti Aminah")
    household("Bambang Pamungkas")

    result = list(household_list(user=dinsos_operator, q="siti aminah"))

    assert result == [exact, longer]
    # Both hold every typed word; the longer name pays a little for its other word.
    assert round(result[0].found) == round(result[1].found) > 0
    assert result[0].found > result[1].found


def test_exact_names_are_found_when_similar_names_are_too_many_to_read(
    dinsos_operator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "NAME_CANDIDATES", 4)
    monkeypatch.setattr(selectors, "NAME_SEARCH_LIMIT", 2)
    for second in ("Ayu", "Sari", "Indah", "Kirana", "Mega"):  # read first in table order
        household(f"Dewi Lestari Putri {second}")
    exact = {household("Dewi Lestari").pk, household("DEWI LESTARI").pk}

    assert {h.pk for h in household_list(user=dinsos_operator, q="Dewi Lestari")} == exact


def test_a_one_word_search_matches_whole_words(dinsos_operator: User) -> None:
    agus = household("Agus Salim")
    household("Agustina Rahayu")
    typo = household("Selamet Agoes")  # old spelling, normalised to "agus"

    assert {h.pk for h in household_list(user=dinsos_operator, q="Agus")} == {agus.pk, typo.pk}


def test_an_officer_searches_among_the_households_of_their_kelurahan(
    puskesos_a: User, puskesos_b: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "NAME_CANDIDATES", 2)
    for _ in range(4):
        household("Slamet Riyadi", kelurahan=KELURAHAN_TUGU)
    depok = household("Slamet Riyadi", kelurahan=KELURAHAN_DEPOK)

    assert list(household_list(user=puskesos_a, q="Slamet Riyadi")) == [depok]
    assert len(household_list(user=puskesos_b, q="Slamet Riyadi")) == 2


def test_name_search_combines_with_the_filters(dinsos_operator: User) -> None:
    household("Slamet Riyadi", kelurahan=KELURAHAN_DEPOK)
    tugu = household("Slamet Riyadi", kelurahan=KELURAHAN_TUGU)

    assert list(household_list(user=dinsos_operator, q="Slamet", kelurahan=KELURAHAN_TUGU)) == [
        tugu
    ]


def test_the_search_is_two_queries_and_needs_no_setting(
    dinsos_operator: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    household("Siti Rahayu")
    list(household_list(user=dinsos_operator, q="x"))  # the user's roles, read once

    # The registry's spellings and weights of the typed words, then the search itself.
    with django_assert_max_num_queries(2):
        assert len(list(household_list(user=dinsos_operator, q="Siti Rahayu"))) == 1
    # A caller may evaluate the QuerySet again elsewhere (admin subquery, export count).
    assert household_list(user=dinsos_operator, q="Siti Rahayu").count() == 1


def test_person_search_by_name_ranks_and_respects_scope(
    dinsos_operator: User, puskesos_b: User, leader: User
) -> None:
    depok = household("H. Mohammad Rizki Saputra")
    tugu = household("Muhammad Rizky Saputra", kelurahan=KELURAHAN_TUGU)

    found = list(person_list(user=dinsos_operator, q="Muhammad Rizki Saputra"))

    assert found == [depok.head, tugu.head]
    assert list(person_list(user=puskesos_b, q="Muhammad Rizki Saputra")) == [tugu.head]
    assert list(person_list(user=leader, q="Muhammad Rizki")) == []
