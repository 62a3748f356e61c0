"""The overlap configuration in the portal: the household cap and the exclusive programme
pairs, set by the Dinsos administrator through services (refusals included) and a page
no other role may open."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.models import AuditEntry
from programs.overlap.models import ExclusivePair, Finding
from programs.overlap.selectors import household_cap, overlap_configuration
from programs.overlap.services import (
    exclusive_pair_add,
    exclusive_pair_remove,
    household_cap_set,
)
from programs.services import excluded_programme_ids
from tests.overlap.factories import YEAR, detect, enrol
from tests.programs.factories import applicant, open_cycle, programme
from tests.programs.test_imports import run_import

pytestmark = pytest.mark.django_db

FOOD, DISABILITY = "bantuan-pangan-kota", "alat-disabilitas"


def _add(actor, first: str = FOOD, second: str = DISABILITY, note: str = "") -> ExclusivePair:
    return exclusive_pair_add(
        actor=actor,
        programme_id=programme(first).pk,
        other_programme_id=programme(second).pk,
        note=note,
    )


# --- the household cap ---------------------------------------------------------------------


def test_the_admin_sets_the_cap_that_detection_compares_against(dinsos_admin):
    head = applicant()
    enrol(head, "rtlh", amount=Decimal(6_000_000))
    detect()
    assert not Finding.objects.filter(rule="household_cap").exists()

    household_cap_set(actor=dinsos_admin, amount=Decimal(5_000_000))
    assert household_cap() == Decimal(5_000_000)
    assert overlap_configuration().household_cap == Decimal(5_000_000)
    audit = AuditEntry.objects.get(action="overlap.household_cap_set")
    assert audit.actor == dinsos_admin
    assert (audit.before, audit.after) == (
        {"household_year_cap": "30000000"},
        {"household_year_cap": "5000000"},
    )
    detect()
    assert Finding.objects.filter(rule="household_cap", household=head.household).exists()


@pytest.mark.parametrize("amount", ["0", "-1", "1500.5", "NaN"])
def test_the_cap_must_be_a_positive_whole_amount(dinsos_admin, amount):
    with translation.override("id"), pytest.raises(DomainError) as refused:
        household_cap_set(actor=dinsos_admin, amount=Decimal(amount))
    assert refused.value.code == "cap_not_positive"
    assert str(refused.value.message) == (
        "Batas harus berupa jumlah rupiah bulat yang lebih besar dari nol."
    )
    assert household_cap() == Decimal(30_000_000)


def test_a_cap_too_large_for_the_column_is_refused(dinsos_admin):
    with pytest.raises(DomainError) as refused:
        household_cap_set(actor=dinsos_admin, amount=Decimal(10) ** 14)
    assert refused.value.code == "cap_too_large"


# --- exclusive pairs -----------------------------------------------------------------------


def test_an_added_pair_is_detected_and_a_removed_one_closes_its_finding(dinsos_admin):
    pair = _add(dinsos_admin, note="Perwal 2026")
    audit = AuditEntry.objects.get(action="overlap.exclusive_pair_add")
    assert audit.after == {"programme": FOOD, "other_programme": DISABILITY, "note": "Perwal 2026"}
    person = applicant()
    enrol(person, FOOD)
    enrol(person, DISABILITY)
    detect()
    finding = Finding.objects.get(rule="exclusive_programmes")
    assert finding.status == "open"

    exclusive_pair_remove(actor=dinsos_admin, pair_id=pair.pk)
    assert not ExclusivePair.objects.filter(pk=pair.pk).exists()
    assert AuditEntry.objects.get(action="overlap.exclusive_pair_remove").before["note"] == (
        "Perwal 2026"
    )
    detect()
    finding.refresh_from_db()
    assert finding.status == "closed"


def test_a_programme_paired_with_itself_is_refused_in_indonesian(dinsos_admin):
    with translation.override("id"), pytest.raises(DomainError) as refused:
        _add(dinsos_admin, FOOD, FOOD)
    assert refused.value.code == "pair_self"
    assert str(refused.value.message) == (
        "Sebuah program tidak dapat dipasangkan dengan dirinya sendiri."
    )
    assert not ExclusivePair.objects.filter(national_list="").exists()


@pytest.mark.parametrize("order", [(FOOD, DISABILITY), (DISABILITY, FOOD)])
def test_a_pair_that_exists_in_either_order_is_refused(dinsos_admin, order):
    _add(dinsos_admin)
    with translation.override("id"), pytest.raises(Conflict) as refused:
        _add(dinsos_admin, *order)
    assert refused.value.code == "pair_exists"
    first, second = (programme(code).name for code in order)
    assert str(refused.value.message) == (
        f"{first} dan {second} sudah tercatat tidak boleh bersamaan."
    )
    assert ExclusivePair.objects.filter(national_list="").count() == 1


def test_a_pair_declared_on_the_programme_already_exists(dinsos_admin):
    programme("kis-pbi-apbd").excludes.add(programme(FOOD))
    with pytest.raises(Conflict):
        _add(dinsos_admin, FOOD, "kis-pbi-apbd")
    declared = overlap_configuration().declared_pairs
    assert {p.code for p in declared[0]} == {FOOD, "kis-pbi-apbd"} and len(declared) == 1


def test_national_list_pairs_stay_and_are_listed_read_only(dinsos_admin):
    config = overlap_configuration()
    list_pair = next(p for p in config.list_pairs if p.programme.code == "kis-pbi-apbd")
    assert list_pair.national_list == "pbi_apbn" and config.programme_pairs == []
    with pytest.raises(Http404):
        exclusive_pair_remove(actor=dinsos_admin, pair_id=list_pair.pk)
    assert ExclusivePair.objects.filter(pk=list_pair.pk).exists()


@pytest.mark.parametrize("persona", ["dinsos_operator", "dinkes_officer", "auditor_user"])
def test_only_the_administrator_may_change_the_configuration(request, dinsos_admin, persona):
    user = request.getfixturevalue(persona)
    pair = _add(dinsos_admin)
    with pytest.raises(Forbidden):
        household_cap_set(actor=user, amount=Decimal(1_000_000))
    with pytest.raises(Forbidden):
        _add(user, FOOD, "kis-pbi-apbd")
    with pytest.raises(Forbidden):
        exclusive_pair_remove(actor=user, pair_id=pair.pk)
    assert household_cap() == Decimal(30_000_000)
    assert ExclusivePair.objects.filter(national_list="").count() == 1


# --- the page ------------------------------------------------------------------------------

PAGE = reverse("overlap:configuration")


def test_the_admin_opens_the_page_from_the_findings_index(client, dinsos_admin):
    client.force_login(dinsos_admin)
    index = client.get(reverse("overlap:list")).content.decode()
    assert f'href="{PAGE}" id="overlap-configuration"' in index
    page = client.get(PAGE)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-cap="30000000"' in body
    assert 'data-programme="kis-pbi-apbd" data-list="pbi_apbn"' in body  # read-only
    assert 'id="pair-add"' in body and "Konfigurasi tumpang tindih" in body


@pytest.mark.parametrize(
    "persona", ["dinsos_operator", "dinkes_officer", "puskesos_a", "auditor_user", "leader"]
)
def test_other_roles_get_403_and_no_link(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 403
    for name in ("overlap:cap-set", "overlap:pair-add"):
        assert client.post(reverse(name), {}).status_code == 403
    assert client.post(reverse("overlap:pair-remove", args=[1])).status_code == 403
    index = client.get(reverse("overlap:list"))
    assert PAGE.encode() not in index.content


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_sets_the_cap_and_adds_and_removes_a_pair(client, dinsos_admin):
    client.force_login(dinsos_admin)
    response = client.post(reverse("overlap:cap-set"), {"household_year_cap": "25000000"})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert household_cap() == Decimal(25_000_000)
    food, disability = programme(FOOD), programme(DISABILITY)
    client.post(
        reverse("overlap:pair-add"),
        {"programme": food.pk, "other_programme": disability.pk, "note": "Perwal"},
    )
    pair = ExclusivePair.objects.get(programme=food, other_programme=disability)
    body = client.get(PAGE).content.decode()
    assert f'data-id="{pair.pk}" data-programme="{FOOD}" data-other="{DISABILITY}"' in body
    client.post(reverse("overlap:pair-remove", args=[pair.pk]))
    assert not ExclusivePair.objects.filter(pk=pair.pk).exists()


def test_a_refusal_comes_back_on_the_page_with_what_was_typed(client, dinsos_admin):
    client.force_login(dinsos_admin)
    food = programme(FOOD)
    page = client.post(
        reverse("overlap:pair-add"),
        {"programme": food.pk, "other_programme": food.pk, "note": "Perwal 2026"},
    )
    assert page.status_code == 200
    assert "Sebuah program tidak dapat dipasangkan dengan dirinya sendiri." in (
        page.content.decode()
    )
    assert page.context["pair_form"]["note"].value() == "Perwal 2026"
    page = client.post(reverse("overlap:cap-set"), {"household_year_cap": "-5"})
    assert page.status_code == 200
    assert page.context["cap_form"].errors["household_year_cap"] == [
        "Batas harus berupa jumlah rupiah bulat yang lebih besar dari nol."
    ]
    assert page.context["cap_form"]["household_year_cap"].value() == "-5"
    assert household_cap() == Decimal(30_000_000)


def test_a_configured_pair_refuses_the_second_programme_from_the_start(dinsos_admin):
    _add(dinsos_admin)
    person = applicant()
    enrol(person, FOOD)
    assert programme(FOOD).pk in excluded_programme_ids(programme(DISABILITY))
    cycle = open_cycle(DISABILITY, year=YEAR)
    job = run_import(cycle, f"nik,device\n{person.nik},wheelchair\n", commit=False)
    assert job.result["good"] == 0
    assert job.error_rows[0]["row"] == 2 and "tidak boleh bersamaan" in job.error_rows[0]["reason"]
