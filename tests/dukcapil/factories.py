"""Helpers for Dukcapil tests: DKB CSV files, registered persons, loaded extracts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from depok_kds.jobs import job_run
from depok_kds.models import Job
from registry.dukcapil.models import DkbExtract
from registry.dukcapil.services import dkb_extract_load, dkb_extract_start
from registry.models import Person
from tests.registry.factories import FamilyCardFactory, HouseholdFactory, PersonFactory

HEADER = (
    "NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_HBKEL",
    "STATUS_KAWIN", "NAMA_LGKP_IBU", "ALAMAT", "NO_RT", "NO_RW", "NO_KEC", "NO_KEL",
    "STAT_MATI", "TGL_MATI", "STAT_PINDAH", "TGL_PINDAH",
)  # fmt: skip


def dkb_row(
    *,
    nik: str,
    kk: str,
    name: str,
    born: date,
    sex: str = "M",
    place: str = "DEPOK",
    relationship: str = "KEPALA KELUARGA",
    deceased_on: date | None = None,
    moved_on: date | None = None,
    **extra: str,
) -> dict[str, str]:
    row = {
        "NIK": nik,
        "NO_KK": kk,
        "NAMA_LGKP": name,
        "TMPT_LHR": place,
        "TGL_LHR": born.strftime("%d-%m-%Y"),
        "JENIS_KLMIN": "LAKI-LAKI" if sex == "M" else "PEREMPUAN",
        "STAT_HBKEL": relationship,
        "STATUS_KAWIN": "KAWIN",
        "NAMA_LGKP_IBU": "SITI AMINAH",
        "ALAMAT": "JL. MELATI NO. 1, GG. MAWAR",
        "NO_RT": "001",
        "NO_RW": "002",
        "NO_KEC": "1",
        "NO_KEL": "1006",
        "STAT_MATI": "Y" if deceased_on else "",
        "TGL_MATI": deceased_on.strftime("%d-%m-%Y") if deceased_on else "",
        "STAT_PINDAH": "Y" if moved_on else "",
        "TGL_PINDAH": moved_on.strftime("%d-%m-%Y") if moved_on else "",
    }
    row.update(extra)
    return row


def dkb_csv(rows: Iterable[Mapping[str, str]], header: Iterable[str] = HEADER) -> bytes:
    columns = list(header)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def numbered_rows(n: int, *, start: int = 1, **changes: str) -> list[dict[str, str]]:
    """`n` valid rows of residents numbered from `start` (NIK and name from the number),
    with the file columns `changes` set on every one."""
    return [
        dkb_row(
            nik=f"32760101019{i:05d}",
            kk=f"3276011503200{i % 1000:03d}",
            name=f"WARGA NOMOR {i}",
            born=date(1990, 1, 1),
        )
        | changes
        for i in range(start, start + n)
    ]


def row_of(person: Person, *, kk: str, **changes: Any) -> dict[str, str]:
    """The Dukcapil row of a registered person (the registry and Dukcapil agree)."""
    values: dict[str, Any] = {
        "nik": person.nik,
        "kk": kk,
        "name": person.full_name.upper(),
        "born": person.birth_date,
        "sex": person.sex,
        "place": person.birth_place or "DEPOK",
    }
    values.update(changes)
    return dkb_row(**values)


def load_extract(content: bytes, *, actor: Any = None, semester: str = "2025-2") -> DkbExtract:
    """Upload and load an extract in this process (the job a worker would run)."""
    extract = dkb_extract_start(
        actor=actor, semester=semester, source_name="dkb.csv", content=io.BytesIO(content)
    )
    assert extract.job is not None
    job_run(job_id=extract.job.pk, handler=dkb_extract_load)
    extract.refresh_from_db()
    return extract


def job_of(extract: DkbExtract) -> Job:
    assert extract.job_id is not None
    return Job.objects.get(pk=extract.job_id)


def household_with(
    members: list[dict[str, Any]], *, kelurahan: str = "32.76.01.1006", kk: str | None = None
) -> tuple[Any, str, list[Person]]:
    """A household with its open No. KK and members given as PersonFactory arguments."""
    household = HouseholdFactory(kelurahan_id=kelurahan)
    card = FamilyCardFactory(household=household, **({"number": kk} if kk else {}))
    persons = [
        PersonFactory(household=household, **({"relationship": "4"} | member)) for member in members
    ]
    head = next((p for p in persons if p.relationship == "1"), None)
    if head is not None:
        household.head = head
        household.save(update_fields=["head"])
    return household, card.number, persons
