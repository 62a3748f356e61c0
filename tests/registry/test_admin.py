from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from depok_kds.models import User
from registry.models import Household
from registry.services import household_register
from tests.registry.factories import KELURAHAN_DEPOK, family_members, make_kk

pytestmark = pytest.mark.django_db


@pytest.fixture
def household() -> Household:
    return household_register(
        actor=None,
        kelurahan_code=KELURAHAN_DEPOK,
        rw=1,
        rt=1,
        address="Jl. Admin 1",
        kk_number=make_kk(1),
        members=family_members(full_name="Slamet Riyadi"),
    ).household


def test_admin_is_read_only_and_masks_numbers(
    client: Client, dinsos_admin: User, household: Household
) -> None:
    client.force_login(dinsos_admin)
    url = reverse("admin:registry_household_change", args=[household.pk])
    page = client.get(url).content.decode()
    assert household.registry_number in page
    assert household.head.nik not in page and make_kk(1) not in page
    assert client.get(reverse("admin:registry_household_add")).status_code == 403
    assert client.post(url, {"address": "x"}).status_code == 403


def test_admin_search_uses_the_registry_search(
    client: Client, dinsos_admin: User, household: Household
) -> None:
    client.force_login(dinsos_admin)
    households = reverse("admin:registry_household_changelist")
    persons = reverse("admin:registry_person_changelist")
    assert household.registry_number in client.get(households, {"q": "Selamet"}).content.decode()
    assert (
        household.registry_number
        in client.get(households, {"q": household.head.nik}).content.decode()
    )
    assert "Slamet Riyadi" in client.get(persons, {"q": household.head.nik}).content.decode()
    assert "Slamet Riyadi" in client.get(persons, {"q": "slamet riyadi"}).content.decode()
    assert "Slamet Riyadi" not in client.get(persons, {"q": "Bambang"}).content.decode()


def test_admin_filters_cannot_reveal_a_nik_digit_by_digit(
    client: Client, dinsos_admin: User, household: Household
) -> None:
    client.force_login(dinsos_admin)
    persons = reverse("admin:registry_person_changelist")
    prefix = household.head.nik[:10]
    for lookup in ("nik__startswith", "nik__gt", "nik"):
        assert client.get(persons, {lookup: prefix}).status_code == 400, lookup
    assert client.get(persons, {"nik_status": "valid"}).status_code == 200
