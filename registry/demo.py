"""Synthetic demo households for `make run`: registered through the service, like real ones.

Names mix spelling variants (Moch./Muhammad, Soe-/Su-, H./Hj.) so that the search's
tolerance can be tried. Every number is made up; deterministic for a given size.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from registry.models import Household, Kelurahan, Person
from registry.services import MemberData, household_register

MEN = (
    "Muhammad Rizki", "Moch. Yusuf", "Ahmad Fauzi", "Achmad Hidayat", "Budi Santoso", "Agus",
    "Slamet Riyadi", "Soekarno", "Djoko Susilo", "Dedi Kurniawan", "Asep Saepudin", "Eko Prasetyo",
    "Hendra Gunawan", "Irfan Hakim", "H. Abdul Rahman", "Bambang Sutrisno", "Taufik Hidayat",
    "Wahyu Nugroho", "Yoga Pratama", "Dadang Supriatna", "Rudi Hartono", "Zainal Abidin",
)  # fmt: skip
WOMEN = (
    "Siti Aminah", "Hj. Siti Nurhaliza", "Sri Wahyuni", "Dewi Lestari", "Euis Komalasari", "Ani",
    "Rina Marlina", "Nur Aisyah", "Fitri Handayani", "Yanti Susanti", "Neneng Hasanah",
    "Ratna Sari", "Sukmawati", "Endang Suryani", "Tuti Alawiyah", "Imas Masitoh",
)  # fmt: skip
CHILDREN_M = ("Rizky", "Fajar", "Dimas", "Bayu", "Gilang", "Raka", "Arya", "Fikri")
CHILDREN_F = ("Putri", "Nabila", "Aulia", "Salsabila", "Zahra", "Keisha", "Nayla", "Alya")
STREETS = ("Jl. Melati", "Jl. Kenanga", "Jl. Mawar", "Gg. Masjid", "Jl. Raya", "Gg. Haji Ali")
# The demo Puskesos officers work in these two kelurahan: give them more households.
BUSY_KELURAHAN = ("32.76.01.1006", "32.76.02.1009")


class _Numbers:
    """Unique, well-formed NIK and No. KK numbers (no check digit exists to satisfy)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def _unique(self, stem: str) -> str:
        for serial in range(1, 10_000):
            number = f"{stem}{serial:04d}"
            if number not in self.used:
                self.used.add(number)
                return number
        raise RuntimeError(f"no serial left for {stem}")

    def nik(self, kelurahan: str, sex: str, born: date) -> str:
        day = born.day + (40 if sex == "F" else 0)
        return self._unique(f"{kelurahan[:8].replace('.', '')}{day:02d}{born:%m%y}")

    def kk(self, kelurahan: str, issued: date) -> str:
        return self._unique(f"{kelurahan[:8].replace('.', '')}{issued:%d%m%y}")


def _born(rng: random.Random, *, age_from: int, age_to: int) -> date:
    return timezone.localdate() - timedelta(days=rng.randint(age_from * 365, age_to * 365))


def _school_level(born: date) -> str:
    age = (timezone.localdate() - born).days // 365
    levels = ((7, "belum_sekolah"), (13, "belum_tamat_sd"), (16, "sd"), (19, "smp"))
    return next((level for below, level in levels if age < below), Person.Education.SENIOR)


def _family(rng: random.Random, kelurahan: str, numbers: _Numbers) -> list[MemberData]:
    head_born = _born(rng, age_from=25, age_to=75)
    surname = rng.choice(("", "", " Saputra", " Hidayat", " Nasution", " Permana"))
    members = [
        MemberData(
            nik=numbers.nik(kelurahan, "M", head_born),
            full_name=rng.choice(MEN) + surname,
            sex="M",
            birth_place="Depok",
            birth_date=head_born,
            relationship=Person.Relationship.HEAD,
            marital_status=Person.MaritalStatus.MARRIED,
            education=rng.choice(Person.Education.values[1:7]),
            occupation=rng.choice(("Buruh harian", "Pedagang", "Ojek daring", "Karyawan", "")),
        )
    ]
    wife_born = head_born + timedelta(days=rng.randint(0, 2000))
    members.append(
        MemberData(
            nik=numbers.nik(kelurahan, "F", wife_born),
            full_name=rng.choice(WOMEN),
            sex="F",
            birth_place=rng.choice(("Depok", "Bogor", "Jakarta")),
            birth_date=wife_born,
            relationship=Person.Relationship.WIFE,
            marital_status=Person.MaritalStatus.MARRIED,
            education=rng.choice(Person.Education.values[1:7]),
            disability=rng.choice([Person.Disability.NONE] * 20 + [Person.Disability.PHYSICAL]),
        )
    )
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
        sex = rng.choice("MF")
        born = _born(rng, age_from=0, age_to=20)
        newborn = (timezone.localdate() - born).days < 120
        members.append(
            MemberData(
                nik=None if newborn else numbers.nik(kelurahan, sex, born),
                full_name=rng.choice(CHILDREN_M if sex == "M" else CHILDREN_F) + surname,
                sex=sex,
                birth_place="Depok",
                birth_date=born,
                relationship=Person.Relationship.CHILD,
                marital_status=Person.MaritalStatus.SINGLE,
                education=_school_level(born),
            )
        )
    return members


def seed(*, households: int) -> str:
    """Register `households` demo households unless the registry already holds some."""
    existing = Household.objects.count()
    if existing:
        return f"{existing} households already present, none added"
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    numbers = _Numbers()
    codes = list(Kelurahan.objects.values_list("code", flat=True))
    for _ in range(households):
        kelurahan = rng.choice(codes if rng.random() < 0.7 else BUSY_KELURAHAN)
        household_register(
            actor=None,
            kelurahan_code=kelurahan,
            rw=rng.randint(1, 15),
            rt=rng.randint(1, 12),
            address=f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}",
            kk_number=numbers.kk(kelurahan, date(rng.randint(2005, 2024), rng.randint(1, 12), 1)),
            members=_family(rng, kelurahan, numbers),
        )
    persons = Person.objects.count()
    return f"{households} households with {persons} persons registered"
