"""Factories for registry tests.

`MemberDataFactory` builds input for the services (valid NIKs that agree with sex and birth
date); the model factories write rows directly, for tests that need data in a given state
without going through a use case (selectors, pages).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory
from factory.django import DjangoModelFactory

from registry.life_events import life_event_follow_up_run
from registry.models import FamilyCard, Household, LifeEventFollowUp, Person
from registry.names import normalize_name
from registry.services import MemberData, household_register

KELURAHAN_DEPOK = "32.76.01.1006"
KELURAHAN_TUGU = "32.76.02.1009"


def make_nik(birth_date: date, sex: str, serial: int, *, kecamatan: str = "327601") -> str:
    """A well-formed NIK: region, birth day (+40 for women), month, year, serial."""
    day = birth_date.day + (40 if sex == "F" else 0)
    return f"{kecamatan}{day:02d}{birth_date:%m%y}{serial % 9999 + 1:04d}"


def make_kk(serial: int, *, kecamatan: str = "327601") -> str:
    """A well-formed No. KK registered on 15 March 2020."""
    return f"{kecamatan}150320{serial % 9999 + 1:04d}"


def _birth_date(n: int) -> date:
    return date(1960, 1, 1) + timedelta(days=(n * 37) % 20000)


class MemberDataFactory(factory.Factory):
    class Meta:
        model = MemberData

    class Params:
        n = factory.Sequence(lambda n: n)

    full_name = factory.Faker("name", locale="id_ID")
    sex = "M"
    birth_place = "Depok"
    birth_date = factory.LazyAttribute(lambda o: _birth_date(o.n))
    nik = factory.LazyAttribute(lambda o: make_nik(o.birth_date, o.sex, o.n))
    relationship = Person.Relationship.CHILD
    marital_status = Person.MaritalStatus.SINGLE
    education = Person.Education.SENIOR
    occupation = "Karyawan swasta"
    disability = Person.Disability.NONE


def family_members(**head: Any) -> list[MemberData]:
    """A head of family, his wife and their child."""
    return [
        MemberDataFactory(
            relationship=Person.Relationship.HEAD,
            marital_status=Person.MaritalStatus.MARRIED,
            **head,
        ),
        MemberDataFactory(
            sex="F",
            relationship=Person.Relationship.WIFE,
            marital_status=Person.MaritalStatus.MARRIED,
        ),
        MemberDataFactory(
            birth_date=date(2012, 6, 1),
            relationship=Person.Relationship.CHILD,
            education=Person.Education.JUNIOR,
        ),
    ]


def household_registered(
    number: int, *, kelurahan: str = KELURAHAN_DEPOK, name: str = ""
) -> Household:
    """A family registered through the use case: No. KK `make_kk(number)`, RT `number`, its
    head named `name` when given."""
    return household_register(
        actor=None,
        kelurahan_code=kelurahan,
        rw=2,
        rt=number,
        address=f"Jl. Anggrek {number}",
        kk_number=make_kk(number),
        members=family_members(**({"full_name": name} if name else {})),
    ).household


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    kelurahan_id = KELURAHAN_DEPOK
    rw = 1
    rt = factory.Sequence(lambda n: n % 20 + 1)
    address = factory.Sequence(lambda n: f"Jl. Melati No. {n}")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    class Params:
        n = factory.Sequence(lambda n: n + 500_000)

    household = factory.SubFactory(HouseholdFactory)
    full_name = factory.Faker("name", locale="id_ID")
    name_normalized = factory.LazyAttribute(lambda o: normalize_name(o.full_name))
    sex = "M"
    birth_date = factory.LazyAttribute(lambda o: _birth_date(o.n))
    nik = factory.LazyAttribute(lambda o: make_nik(o.birth_date, o.sex, o.n))
    nik_status = Person.NikStatus.VALID
    relationship = Person.Relationship.CHILD
    marital_status = Person.MaritalStatus.SINGLE
    education = Person.Education.SENIOR


class FamilyCardFactory(DjangoModelFactory):
    class Meta:
        model = FamilyCard

    class Params:
        n = factory.Sequence(lambda n: n + 500_000)

    household = factory.SubFactory(HouseholdFactory)
    number = factory.LazyAttribute(lambda o: make_kk(o.n, kecamatan="327602"))
    valid_from = date(2020, 3, 15)


def life_event_follow_ups_run() -> None:
    """Run the follow-ups a committed death or move out queues (a test never commits)."""
    for follow_up_id in LifeEventFollowUp.objects.exclude(status="done").values_list(
        "pk", flat=True
    ):
        life_event_follow_up_run(follow_up_id=follow_up_id)
