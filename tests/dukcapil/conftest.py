"""Fixtures of the Dukcapil tests: uploads in a temporary media folder, a fake Dukcapil."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from depok_kds.jobs import job_run
from depok_kds.models import Job
from registry.dukcapil.models import MatchRun
from registry.dukcapil.services import match_run_execute, match_run_start
from registry.models import Person
from tests.dukcapil.factories import dkb_csv, dkb_row, household_with, load_extract, row_of
from tests.dukcapil.fake_dukcapil import FakeDukcapil
from tests.registry.factories import make_kk, make_nik

DEPOK = "32.76.01.1006"
TUGU = "32.76.02.1009"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fake_dukcapil(settings) -> Iterator[FakeDukcapil]:
    """A Dukcapil verification server on 127.0.0.1 (a real HTTP server in a thread)."""
    server = FakeDukcapil(user="dinsos-depok", password="rahasia-pks")
    server.start()
    settings.DUKCAPIL_URL = server.url
    settings.DUKCAPIL_USER = "dinsos-depok"
    settings.DUKCAPIL_PASSWORD = "rahasia-pks"
    settings.DUKCAPIL_RATE_PER_S = 200.0
    settings.DUKCAPIL_TIMEOUT_S = 0.5
    try:
        yield server
    finally:
        server.stop()


@dataclass
class City:
    persons: dict[str, Person]
    extra_kk_member: str


def _born(year: int, month: int = 5, day: int = 5) -> date:
    return date(year, month, day)


def person(name: str, sex: str, born: date, serial: int, **extra) -> dict:
    return {
        "full_name": name,
        "sex": sex,
        "birth_date": born,
        "birth_place": "Depok",
        "nik": make_nik(born, sex, serial),
        **extra,
    }


@pytest.fixture
def city(dinsos_operator) -> City:
    """Registered households and a DKB extract that disagrees with them in every known way."""
    _, kk_a, (a1, a2, a3) = household_with(
        [
            person("Budi Santoso", "M", _born(1980), 11, relationship="1"),
            person("Hj. Siti Aminah", "F", _born(1982), 12, relationship="3"),
            person("Rizky Pratama", "M", _born(2010), 13),
        ],
        kk=make_kk(101),
    )
    _, kk_b, (b1, b2, b3) = household_with(
        [
            person("Ahmad Fauzi", "M", _born(1975, 8, 17), 24, relationship="1"),
            person("Dewi Lestari", "F", _born(1978), 22, relationship="3"),
            person("Eko Prasetyo", "M", _born(2001), 23),
        ],
        kelurahan=TUGU,
        kk=make_kk(102),
    )
    _, kk_c, (c1, c2, c3) = household_with(
        [
            person("Slamet Riyadi", "M", _born(1970), 31, relationship="1"),
            person("Yanti Susanti", "F", _born(1972), 32, relationship="3"),
            person("Nabila Putri", "F", _born(2015), 33, nik=None, nik_status="missing"),
        ],
        kk=make_kk(103),
    )
    _, kk_d, (d1,) = household_with(
        [person("Joko Susilo", "M", _born(1965), 41, relationship="1")], kk=make_kk(104)
    )
    truth = {
        b1.pk: make_nik(b1.birth_date, "M", 24),
        c3.pk: make_nik(c3.birth_date, "F", 33),
    }
    # Ahmad Fauzi's NIK was typed with its last two digits swapped.
    nik = b1.nik
    Person.objects.filter(pk=b1.pk).update(nik=nik[:14] + nik[15] + nik[14])
    extra_member = make_nik(_born(1990), "F", 42)
    rows = [
        row_of(a1, kk=kk_a),
        row_of(a2, kk=kk_a, name="SITI AMINAH"),
        row_of(a3, kk=kk_a, born=a3.birth_date + timedelta(days=1)),
        row_of(b1, kk=kk_b, nik=truth[b1.pk], name="ACHMAD FAUZI"),
        row_of(b2, kk=kk_b, deceased_on=date(2025, 11, 30)),
        row_of(b3, kk=kk_b, moved_on=date(2025, 10, 1)),
        row_of(c1, kk=make_kk(999)),
        row_of(c3, kk=kk_c, nik=truth[c3.pk]),
        row_of(d1, kk=kk_d),
        dkb_row(nik=extra_member, kk=kk_d, name="PUTRI SUSILO", born=_born(1990), sex="F"),
        # Others born on the same days, one digit away: they must not be taken.
        dkb_row(
            nik=make_nik(b1.birth_date, "M", 52), kk=make_kk(500), name="DEDI", born=b1.birth_date
        ),
        dkb_row(
            nik=make_nik(c3.birth_date, "F", 34), kk=make_kk(501), name="AULIA", born=c3.birth_date,
            sex="F",
        ),
    ]  # fmt: skip
    load_extract(dkb_csv(rows), actor=dinsos_operator)
    refreshed = {
        p.full_name: Person.objects.get(pk=p.pk) for p in (a1, a2, a3, b1, b2, b3, c1, c2, c3, d1)
    }
    return City(persons=refreshed, extra_kk_member=extra_member)


def run_to_end(actor, **options) -> MatchRun:
    run = match_run_start(actor=actor, **options)
    finished = job_run(job_id=run.job_id, handler=match_run_execute)
    assert finished is not None and finished.status == Job.Status.SUCCEEDED, finished.error_message
    run.refresh_from_db()
    return run
