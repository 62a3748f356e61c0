from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from depok_kds.models import AuditEntry, User
from registry.models import Household
from registry.services import family_card_change, household_register, person_death_record
from tests.registry.factories import (
    KELURAHAN_DEPOK,
    KELURAHAN_TUGU,
    MemberDataFactory,
    make_kk,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("registry:search")
REGISTER = reverse("registry:register")


def register(name: str, *, kelurahan: str = KELURAHAN_DEPOK, kk: int = 1) -> Household:
    head = MemberDataFactory(full_name=name, relationship="1", marital_status="kawin")
    return household_register(
        actor=None,
        kelurahan_code=kelurahan,
        rw=1,
        rt=7,
        address="Jl. Cempaka 8",
        kk_number=make_kk(kk),
        members=[head],
    ).household


def test_search_page_lists_matches_with_masked_nik(client: Client, dinsos_operator: User) -> None:
    household = register("Slamet Riyadi")
    register("Bambang Pamungkas", kk=2)
    client.force_login(dinsos_operator)

    response = client.get(SEARCH, {"q": "Selamet Riyadi"})

    assert response.status_code == 200
    page = response.content.decode()
    assert household.registry_number in page
    assert "Bambang" not in page
    nik = household.head.nik
    assert nik not in page and f"{nik[:4]}••••••••{nik[-4:]}" in page
    assert not AuditEntry.objects.filter(action="pii.view").exists()


def test_search_page_htmx_renders_the_results_only(client: Client, dinsos_operator: User) -> None:
    register("Slamet Riyadi")
    client.force_login(dinsos_operator)
    response = client.get(SEARCH, {"q": "slamet"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content and b"Slamet Riyadi" in response.content


def test_search_page_filters_by_class_and_wilayah(client: Client, dinsos_operator: User) -> None:
    poor = register("Slamet Riyadi")
    Household.objects.filter(pk=poor.pk).update(poverty_class="miskin", desil=2)
    register("Slamet Rahardjo", kelurahan=KELURAHAN_TUGU, kk=2)
    client.force_login(dinsos_operator)

    by_class = client.get(SEARCH, {"class": "miskin"}).content.decode()
    by_kecamatan = client.get(SEARCH, {"kecamatan": "32.76.02", "rt": "7"}).content.decode()

    assert "Slamet Riyadi" in by_class and "Slamet Rahardjo" not in by_class
    assert "Slamet Rahardjo" in by_kecamatan and "Slamet Riyadi" not in by_kecamatan


def test_search_page_for_puskesos_shows_own_kelurahan_only(
    client: Client, puskesos_b: User
) -> None:
    register("Slamet Riyadi", kelurahan=KELURAHAN_DEPOK)
    register("Slamet Rahardjo", kelurahan=KELURAHAN_TUGU, kk=2)
    client.force_login(puskesos_b)
    page = client.get(SEARCH, {"q": "slamet"}).content.decode()
    assert "Slamet Rahardjo" in page and "Slamet Riyadi" not in page


def test_search_page_needs_the_view_permission(client: Client, leader: User) -> None:
    client.force_login(leader)
    assert client.get(SEARCH).status_code == 403


def test_search_page_is_in_the_navigation(
    client: Client, dinsos_operator: User, leader: User
) -> None:
    client.force_login(dinsos_operator)
    assert f'href="{SEARCH}"'.encode() in client.get(reverse("dashboard")).content
    client.force_login(leader)
    assert f'href="{SEARCH}"'.encode() not in client.get(reverse("dashboard")).content


def test_detail_page_shows_full_nik_to_pii_roles_and_logs_it(
    client: Client, puskesos_a: User
) -> None:
    household = register("Slamet Riyadi")
    client.force_login(puskesos_a)
    client.cookies["django_language"] = "en"  # English texts asserted below

    response = client.get(reverse("registry:household", args=[household.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert household.head.nik in page and make_kk(1) in page
    assert "Slamet Riyadi" in page
    assert "Registered" in page  # the history
    entry = AuditEntry.objects.get(action="pii.view")
    assert entry.actor == puskesos_a and entry.after["ids"] == [str(household.head_id)]


def test_detail_page_history_tells_what_happened(client: Client, dinsos_operator: User) -> None:
    household = register("Slamet Riyadi")
    family_card_change(actor=dinsos_operator, household_id=household.pk, kk_number=make_kk(9))
    person_death_record(
        actor=dinsos_operator, person_id=household.head_id, death_date=date(2025, 5, 1)
    )
    client.force_login(dinsos_operator)
    client.cookies["django_language"] = "en"  # English texts asserted below

    response = client.get(reverse("registry:household", args=[household.pk]))

    page = response.content.decode()
    assert "Previous No. KK: 3276••••••••0002" in page
    assert "Death recorded: Slamet Riyadi" in page and "New head needed: yes" in page
    assert "no head of family recorded" in page
    assert "operator" in page  # who did it


def test_detail_page_masks_nik_for_roles_without_pii(client: Client, auditor_user: User) -> None:
    household = register("Slamet Riyadi")
    client.force_login(auditor_user)
    page = client.get(reverse("registry:household", args=[household.pk])).content.decode()
    assert household.head.nik not in page and make_kk(1) not in page
    assert not AuditEntry.objects.filter(action="pii.view").exists()


def test_detail_page_is_not_found_for_a_puskesos_officer_of_another_kelurahan(
    client: Client, puskesos_b: User
) -> None:
    household = register("Slamet Riyadi", kelurahan=KELURAHAN_DEPOK)
    client.force_login(puskesos_b)
    response = client.get(reverse("registry:household", args=[household.pk]))
    assert response.status_code == 404
    assert b"Slamet" not in response.content


def member_post(index: int, **values: str) -> dict[str, str]:
    base = {
        "nik": "",
        "full_name": "",
        "sex": "",
        "birth_place": "",
        "birth_date": "",
        "relationship": "",
        "marital_status": "",
        "education": "",
        "occupation": "",
        "disability": "none",
    }
    return {f"members-{index}-{key}": value for key, value in {**base, **values}.items()}


def registration_post(*, head_nik: str = "3276011203800001") -> dict[str, str]:
    data = {
        "kelurahan_code": KELURAHAN_DEPOK,
        "rw": "2",
        "rt": "3",
        "address": "Jl. Anggrek 4",
        "kk_number": make_kk(3),
        "members-TOTAL_FORMS": "4",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "30",
    }
    data |= member_post(
        0,
        nik=head_nik,
        full_name="Dedi Kurniawan",
        sex="M",
        birth_date="1980-03-12",
        relationship="1",
        marital_status="kawin",
        education="sma",
    )
    data |= member_post(
        1,
        full_name="Bayi Kurniawan",
        sex="F",
        birth_date="2026-01-02",
        relationship="4",
        marital_status="belum_kawin",
        education="belum_sekolah",
    )
    data |= member_post(2) | member_post(3)  # empty rows are ignored
    return data


def test_register_page_happy_path(client: Client, puskesos_a: User) -> None:
    client.force_login(puskesos_a)
    client.cookies["django_language"] = "en"  # English texts asserted below
    assert client.get(REGISTER).status_code == 200

    response = client.post(REGISTER, registration_post(), follow=True)

    household = Household.objects.get()
    assert response.redirect_chain[-1][0] == reverse("registry:household", args=[household.pk])
    assert household.members.count() == 2
    assert household.head.full_name == "Dedi Kurniawan"
    page = response.content.decode()
    assert household.registry_number in page
    assert "Member 2: No NIK" in page  # the baby's missing NIK is flagged


def test_register_page_shows_the_refusal_next_to_the_member_field(
    client: Client, puskesos_a: User
) -> None:
    client.force_login(puskesos_a)

    response = client.post(REGISTER, registration_post(head_nik="32760112038O0001"))

    assert response.status_code == 400
    assert not Household.objects.exists()
    member_form = response.context["members"].forms[0]
    assert "nik" in member_form.errors
    assert "'O'" in member_form.errors["nik"][0]  # the clerk is told which character is wrong


def test_a_refused_registration_keeps_what_was_typed(client: Client, puskesos_a: User) -> None:
    client.force_login(puskesos_a)
    data = registration_post() | {"members-1-relationship": "1"}  # a second head of family

    response = client.post(REGISTER, data)

    assert response.status_code == 400
    assert not Household.objects.exists()
    refused = response.context["members"].forms[1]
    assert "relationship" in refused.errors
    page = response.content.decode()
    assert 'href="#id_members-1-relationship"' in page  # the summary leads to the field
    for typed in ("Jl. Anggrek 4", data["kk_number"], "3276011203800001", "Bayi Kurniawan"):
        assert f'value="{typed}"' in page


def test_register_page_offers_only_the_officers_kelurahan(client: Client, puskesos_a: User) -> None:
    client.force_login(puskesos_a)
    data = registration_post() | {"kelurahan_code": KELURAHAN_TUGU}
    response = client.post(REGISTER, data)
    assert response.status_code == 400
    assert "kelurahan_code" in response.context["form"].errors
    assert not Household.objects.exists()


def test_register_page_needs_the_add_permission(client: Client, dinkes_officer: User) -> None:
    client.force_login(dinkes_officer)
    assert client.get(REGISTER).status_code == 403
