"""A Depok number with a kecamatan Depok lacks is warned about; an adult without a NIK is
registered only with the reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from depok_kds.errors import DomainError
from registry.models import Household, HouseholdEvent
from registry.nik import check_nik_against, parse_kk, parse_nik
from registry.services import household_register
from tests.registry.factories import KELURAHAN_DEPOK, MemberDataFactory, family_members, make_kk
from tests.registry.test_views import REGISTER, registration_post


def test_a_depok_nik_with_a_kecamatan_depok_lacks_is_warned_about():
    (warning,) = check_nik_against(parse_nik("3276991203800001"))
    assert warning.code == "unknown_kecamatan" and "(99" in warning.message
    assert check_nik_against(parse_nik("3276111203800001")) == []  # Depok's 11th kecamatan
    assert check_nik_against(parse_nik("3201991203800001")) == []  # not Depok: not known here
    assert [w.code for w in parse_kk("3276991503200001").warnings] == ["unknown_kecamatan"]


@pytest.mark.django_db
def test_registering_such_a_nik_warns_the_clerk():
    members = family_members(nik="3276991203800001", birth_date=date(1980, 3, 12))
    result = household_register(
        actor=None,
        kelurahan_code=KELURAHAN_DEPOK,
        rw=1,
        rt=2,
        address="Jl. Mawar 1",
        kk_number=make_kk(1),
        members=members,
    )
    assert [(w.member, w.code) for w in result.warnings] == [(0, "unknown_kecamatan")]


def _adult_without_nik(**extra: str) -> list:
    members = family_members()
    members[0] = MemberDataFactory(
        nik=None, relationship="1", marital_status="kawin", birth_date=date(1975, 6, 1), **extra
    )
    return members


def _register(members: list) -> Household:
    return household_register(
        actor=None,
        kelurahan_code=KELURAHAN_DEPOK,
        rw=1,
        rt=2,
        address="Jl. Mawar 1",
        kk_number=make_kk(1),
        members=members,
    ).household


@pytest.mark.django_db
def test_an_adult_head_without_a_nik_needs_the_reason():
    with pytest.raises(DomainError) as refused:
        _register(_adult_without_nik())
    assert refused.value.code == "nik_reason_required"
    assert refused.value.details == {"member": 0, "field": "nik_missing_reason"}
    assert not Household.objects.exists()

    household = _register(_adult_without_nik(nik_missing_reason="KTP hilang, belum rekam"))
    assert household.head.nik is None
    event = HouseholdEvent.objects.get(household=household)
    assert event.details["nik_missing_reasons"] == {
        str(household.head.pk): "KTP hilang, belum rekam"
    }


@pytest.mark.django_db
def test_a_child_without_a_nik_needs_no_reason():
    members = family_members()
    members.append(
        MemberDataFactory(nik=None, birth_date=timezone.localdate() - timedelta(days=400))
    )
    assert _register(members).members.count() == 4


@pytest.mark.django_db
def test_the_register_page_asks_for_the_reason(client: Client, puskesos_a):
    client.force_login(puskesos_a)
    response = client.post(REGISTER, registration_post(head_nik=""))
    assert response.status_code == 400
    assert "nik_missing_reason" in response.context["members"].forms[0].errors
    data = registration_post(head_nik="") | {"members-0-nik_missing_reason": "Belum rekam KTP"}
    assert client.post(REGISTER, data).status_code == 302
