"""Changing a household on its page: each action through its service, with history."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from depok_kds.models import User
from registry.models import Household, HouseholdEvent, Person
from registry.services import household_register
from tests.registry.factories import KELURAHAN_DEPOK, MemberDataFactory, make_kk, make_nik

pytestmark = pytest.mark.django_db


def register(*, kk: int = 1, children: int = 1) -> Household:
    head = MemberDataFactory(full_name="Slamet Riyadi", relationship="1", marital_status="kawin")
    kids = [MemberDataFactory(relationship="4") for _ in range(children)]
    return household_register(
        actor=None,
        kelurahan_code=KELURAHAN_DEPOK,
        rw=1,
        rt=7,
        address="Jl. Cempaka 8",
        kk_number=make_kk(kk),
        members=[head, *kids],
    ).household


def action_url(household: Household, name: str, person: Person | None = None) -> str:
    if person is None:
        return reverse("registry:household-action", args=[household.pk, name])
    return reverse("registry:member-action", args=[household.pk, person.pk, name])


def child_of(household: Household) -> Person:
    return household.members.exclude(pk=household.head_id).first()


@pytest.fixture
def operator_client(client: Client, dinsos_operator: User) -> Client:
    client.force_login(dinsos_operator)
    return client


def test_the_household_page_offers_the_changes(operator_client: Client) -> None:
    household = register()
    page = operator_client.get(reverse("registry:household", args=[household.pk])).content.decode()
    assert action_url(household, "address") in page
    assert action_url(household, "death", child_of(household)) in page


def test_address_change_is_saved_with_history(operator_client: Client) -> None:
    household = register()
    response = operator_client.post(
        action_url(household, "address"),
        {
            "kelurahan_code": KELURAHAN_DEPOK,
            "rw": 3,
            "rt": 4,
            "address": "Jl. Nusantara 1",
        },
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.rw, household.rt, household.address) == (3, 4, "Jl. Nusantara 1")
    assert household.events.filter(kind=HouseholdEvent.Kind.EDITED).exists()


def test_kk_change_keeps_the_old_card(operator_client: Client) -> None:
    household = register()
    operator_client.post(action_url(household, "kk"), {"kk_number": make_kk(9)})
    assert household.family_cards.count() == 2
    assert household.family_cards.get(valid_to__isnull=True).number == make_kk(9)


def test_adding_a_member(operator_client: Client) -> None:
    household = register(children=0)
    response = operator_client.post(
        action_url(household, "add-member"),
        {
            "nik": make_nik(date(2010, 5, 1), "F", 77),
            "full_name": "Siti Aminah",
            "sex": "F",
            "birth_place": "Depok",
            "birth_date": "2010-05-01",
            "relationship": "4",
            "marital_status": "belum_kawin",
            "education": "smp",
            "occupation": "",
            "disability": "none",
        },
    )
    assert response.status_code == 302
    assert household.members.filter(full_name="Siti Aminah").exists()


def test_recording_a_death(operator_client: Client) -> None:
    household = register()
    child = child_of(household)
    operator_client.post(action_url(household, "death", child), {"death_date": "2026-01-02"})
    child.refresh_from_db()
    assert child.is_deceased and str(child.death_date) == "2026-01-02"


def test_removing_the_head_is_refused_with_the_reason_on_the_form(operator_client: Client) -> None:
    household = register()
    response = operator_client.post(
        action_url(household, "remove", household.head), {"reason": "pindah"}
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert Person.objects.get(pk=household.head_id).household_id == household.pk


def test_split_creates_a_new_household_headed_by_the_leaver(operator_client: Client) -> None:
    household = register(children=2)
    leaver = child_of(household)
    response = operator_client.post(
        action_url(household, "split"),
        {
            "person_ids": [leaver.pk],
            "head_id": leaver.pk,
            "kk_number": make_kk(5),
        },
    )
    assert response.status_code == 302
    leaver.refresh_from_db()
    assert leaver.household_id != household.pk
    assert leaver.household.head_id == leaver.pk


def test_moving_a_member_by_registry_number(operator_client: Client) -> None:
    household, other = register(kk=1), register(kk=2, children=0)
    child = child_of(household)
    operator_client.post(
        action_url(household, "move", child),
        {
            "to_household": other.registry_number,
            "relationship": "9",
        },
    )
    child.refresh_from_db()
    assert child.household_id == other.pk


def test_make_head(operator_client: Client) -> None:
    household = register()
    child = child_of(household)
    operator_client.post(
        action_url(household, "make-head", child), {"previous_head_relationship": "7"}
    )
    household.refresh_from_db()
    assert household.head_id == child.pk


def test_an_officer_of_another_kelurahan_gets_404(client: Client, puskesos_b: User) -> None:
    household = register()
    client.force_login(puskesos_b)
    assert client.get(action_url(household, "address")).status_code == 404
    assert (
        client.post(
            action_url(household, "death", child_of(household)), {"death_date": "2026-01-02"}
        ).status_code
        == 404
    )


def test_agency_officers_cannot_change_households(client: Client, dinkes_officer: User) -> None:
    household = register()
    client.force_login(dinkes_officer)
    assert client.get(action_url(household, "address")).status_code == 403


def test_unknown_action_is_404(operator_client: Client) -> None:
    household = register()
    assert operator_client.get(action_url(household, "demolish")).status_code == 404
