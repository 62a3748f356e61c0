"""An operator finds a household by a misspelt common name and a birth year, on a phone."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from registry.models import Household
from registry.services import name_words_refresh
from tests.registry.factories import KELURAHAN_DEPOK, HouseholdFactory, PersonFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def household(name: str, born: date, address: str) -> Household:
    home = HouseholdFactory(kelurahan_id=KELURAHAN_DEPOK, address=address)
    head = PersonFactory(household=home, full_name=name, relationship="1", birth_date=born)
    Household.objects.filter(pk=home.pk).update(head=head)
    return home


def test_an_operator_finds_a_namesake_by_a_misspelt_name_and_a_birth_year(
    dinsos_operator, page, login
):
    for year in range(1954, 1984):
        household("Siti Rahayu", date(year, 6, 1), f"Jl. Anggrek No. {year}")
    wanted = household("Hj. Siti Rahayu", date(1985, 3, 12), "Gg. Kenanga No. 7")
    name_words_refresh()
    login(dinsos_operator)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/registry/")
    page.fill("#id_q", "sity rahayoe")
    page.click("form button[type=submit].primary")

    # The misspelt common name alone: every namesake, counted, on pages.
    expect(page.locator("#result-count")).to_contain_text("31 keluarga")
    expect(page.locator("#result-count")).to_contain_text("Halaman 1 dari 2")
    expect(page.locator("#results tbody tr")).to_have_count(25)

    page.fill("#id_born", "1985")
    page.click("form button[type=submit].primary")

    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(page.locator("#result-count")).to_contain_text("1 keluarga")
    expect(rows.first).to_contain_text(wanted.registry_number)
    expect(rows.first).to_contain_text("Gg. Kenanga No. 7")
