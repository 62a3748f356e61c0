"""The poverty panel on the dashboard: aggregates by kecamatan, for leadership too."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from registry.statistics import poverty_by_kecamatan
from tests.registry.factories import KELURAHAN_DEPOK, KELURAHAN_TUGU, HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_households_are_counted_per_kecamatan_and_class():
    HouseholdFactory.create_batch(2, kelurahan_id=KELURAHAN_DEPOK, poverty_class="miskin", desil=2)
    HouseholdFactory(kelurahan_id=KELURAHAN_DEPOK, poverty_class="rentan", desil=7)
    HouseholdFactory(kelurahan_id=KELURAHAN_TUGU, poverty_class="tidak_miskin")
    rows = {row["name"]: row for row in poverty_by_kecamatan()}
    assert len(rows) == 11
    assert (rows["Pancoran Mas"]["miskin"], rows["Pancoran Mas"]["rentan"]) == (2, 1)
    assert rows["Pancoran Mas"]["desil_1_5"] == 2
    assert rows["Cimanggis"]["tidak_miskin"] == 1
    assert rows["Beji"]["total"] == 0


def test_leadership_sees_the_chart_but_no_person(client, leader):
    HouseholdFactory(kelurahan_id=KELURAHAN_DEPOK, poverty_class="miskin")
    client.force_login(leader)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'role="img"' in page and "Pancoran Mas" in page
    assert reverse("registry:search") not in page


def test_a_user_without_a_role_gets_no_panel(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("x", password="y-pass-2026"))
    assert client.get(reverse("dashboard")).status_code == 403


def test_a_puskesos_officer_sees_their_own_kelurahan(client, puskesos_a):
    HouseholdFactory.create_batch(2, kelurahan_id=KELURAHAN_DEPOK, poverty_class="miskin")
    HouseholdFactory(kelurahan_id=KELURAHAN_TUGU, poverty_class="miskin")
    client.force_login(puskesos_a)
    panel = next(
        p
        for p in client.get(reverse("dashboard")).context["panels"]
        if p["template"] == "registry/_poverty_panel.html"
    )
    assert [(row["code"], row["miskin"]) for row in panel["rows"]] == [(KELURAHAN_DEPOK, 2)]
    assert str(panel["heading"]) == "Kemiskinan per kelurahan"
