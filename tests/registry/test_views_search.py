"""Household search as an officer uses it: registry numbers, a plain "no match", counts,
pages and a said cap on name searches."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from registry.selectors import NAME_SEARCH_LIMIT
from tests.registry.factories import KELURAHAN_TUGU, HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("registry:search")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_registry_number_is_searchable_with_or_without_zeros(dinsos_operator):
    household = HouseholdFactory()
    HouseholdFactory()
    client = _client(dinsos_operator)
    for typed in (household.registry_number, f"kds-{household.pk}", f"KDS {household.pk}"):
        response = client.get(SEARCH, {"q": typed})
        assert [r.household.pk for r in response.context["rows"]] == [household.pk], typed


def test_registry_number_outside_the_area_finds_nothing(puskesos_a):
    other = HouseholdFactory(kelurahan_id=KELURAHAN_TUGU)
    response = _client(puskesos_a).get(SEARCH, {"q": other.registry_number})
    assert 'id="no-match"' in response.content.decode()


def test_no_match_is_said_in_words(dinsos_operator):
    response = _client(dinsos_operator).get(SEARCH, {"q": "Zzyzx Qwertyuiop"})
    body = response.content.decode()
    assert 'id="no-match"' in body
    assert "Tidak ada keluarga yang cocok" in body


def test_results_show_the_count_and_pages(dinsos_operator):
    for _ in range(30):
        HouseholdFactory()
    response = _client(dinsos_operator).get(SEARCH, {"q": ""})
    body = response.content.decode()
    assert "30 keluarga" in body
    assert "Halaman 1 dari 2" in body


def test_a_capped_name_search_says_so(dinsos_operator):
    for _ in range(NAME_SEARCH_LIMIT + 5):
        PersonFactory(full_name="Siti Aminah")
    response = _client(dinsos_operator).get(SEARCH, {"q": "Siti Aminah"})
    assert response.context["capped"] is True
    assert str(NAME_SEARCH_LIMIT) in response.content.decode().split('id="result-count"')[1][:300]
