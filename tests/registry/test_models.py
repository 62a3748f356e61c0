"""Invariants the database itself enforces, and the data migrations."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from registry.models import FamilyCard, Household, Kecamatan, Kelurahan
from tests.registry.factories import FamilyCardFactory, HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_wilayah_is_loaded_keyed_by_code() -> None:
    assert Kecamatan.objects.count() == 11
    assert Kelurahan.objects.count() == 63
    assert Kecamatan.objects.get(code="32.76.01").name == "Pancoran Mas"
    assert Kelurahan.objects.get(code="32.76.01.1006").name == "Depok"
    # The same name in two kecamatan: two rows, told apart by code.
    curug = Kelurahan.objects.filter(name="Curug").values_list("kecamatan__name", flat=True)
    assert sorted(curug) == ["Bojongsari", "Cimanggis"]
    assert not Kelurahan.objects.exclude(code__startswith="32.76.").exists()


def test_registry_number_is_generated_from_the_id() -> None:
    household = HouseholdFactory()
    assert household.registry_number == f"KDS-{household.pk:07d}"
    assert Household.objects.get(registry_number=household.registry_number) == household


@pytest.mark.parametrize(
    ("pk", "number"),
    [
        (123, "KDS-0000123"),
        (9_999_999, "KDS-9999999"),
        (12_345_678, "KDS-12345678"),  # once cut to KDS-1234567, another household's number
        (2**63 - 1, "KDS-9223372036854775807"),  # the largest id there can be
    ],
)
def test_registry_number_pads_to_seven_digits_and_never_cuts_a_longer_id(
    pk: int, number: str
) -> None:
    household = HouseholdFactory(id=pk)
    assert household.registry_number == number
    assert Household.objects.get(registry_number=number) == household


@pytest.mark.parametrize(
    "values",
    [{"rt": 0}, {"rw": 1000}, {"desil": 11}, {"desil": 0}, {"desil_period": "2026-1"}],
)
def test_household_check_constraints(values: dict[str, object]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdFactory(**values)


def test_one_open_card_per_household_and_per_number() -> None:
    card = FamilyCardFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        FamilyCardFactory(household=card.household)
    with pytest.raises(IntegrityError), transaction.atomic():
        FamilyCardFactory(number=card.number)
    FamilyCard.objects.filter(pk=card.pk).update(valid_to=date(2024, 1, 1))
    FamilyCardFactory(number=card.number)  # closed numbers may be held again


def test_a_nik_belongs_to_one_person_and_many_may_have_none() -> None:
    person = PersonFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(nik=person.nik)
    PersonFactory(nik=None, nik_status="missing")
    PersonFactory(nik=None, nik_status="missing")


def test_nik_status_matches_the_nik() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(nik=None, nik_status="valid")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(nik="32760112", nik_status="valid")


def test_death_date_only_when_deceased() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(is_deceased=False, death_date=date(2024, 1, 1))
    PersonFactory(is_deceased=True, death_date=date(2024, 1, 1))


def test_one_living_head_per_household() -> None:
    household = HouseholdFactory()
    PersonFactory(
        household=household, relationship="1", is_deceased=True, death_date=date(2024, 1, 1)
    )
    PersonFactory(household=household, relationship="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(household=household, relationship="1")


def permissions_of(role: str) -> set[str]:
    return set(
        Group.objects.get(name=role)
        .permissions.filter(content_type__app_label="registry")
        .values_list("codename", flat=True)
    )


def test_role_permissions() -> None:
    editors = {"view_household", "add_household", "change_household", "view_person"}
    for role in ("dinsos_admin", "dinsos_operator", "puskesos_officer"):
        assert editors <= permissions_of(role)
    for role in ("agency_officer", "auditor"):
        granted = permissions_of(role)
        assert "view_household" in granted
        assert not {p for p in granted if not p.startswith("view_")}
    assert permissions_of("leadership") == set()
    assert not any(p.startswith("delete_") for p in permissions_of("dinsos_admin"))
