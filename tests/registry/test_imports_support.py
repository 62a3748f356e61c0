"""Helpers of the import tests: files as a clerk would fill them, and running the two jobs.

The jobs run in-process with `job_run` (what a worker does), inside the test's transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from depok_kds.jobs import job_run
from depok_kds.models import Job, User
from registry.imports.services import import_commit_start, import_start
from registry.imports.tasks import import_commit, import_preview
from tests.registry.factories import KELURAHAN_DEPOK, make_kk, make_nik

HOUSEHOLD_HEADER = (
    "no_kk",
    "kelurahan_code",
    "rw",
    "rt",
    "alamat",
    "nik",
    "nama",
    "jenis_kelamin",
    "tempat_lahir",
    "tanggal_lahir",
    "hubungan",
    "status_kawin",
    "pendidikan",
    "pekerjaan",
    "disabilitas",
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def member(
    kk: int,
    serial: int,
    *,
    relationship: str = "4",
    sex: str = "L",
    born: date = date(1990, 5, 17),
    name: str = "",
    **cells: str,
) -> dict[str, str]:
    """One member row with valid values; `cells` overrides any column by its name."""
    row = {
        "no_kk": make_kk(kk),
        "kelurahan_code": KELURAHAN_DEPOK,
        "rw": "3",
        "rt": "7",
        "alamat": f"Jl. Melati No. {kk}",
        "nik": make_nik(born, "M" if sex == "L" else "F", serial),
        "nama": name or f"Warga {serial}",
        "jenis_kelamin": sex,
        "tempat_lahir": "Depok",
        "tanggal_lahir": born.isoformat(),
        "hubungan": relationship,
        "status_kawin": "kawin" if relationship in {"1", "2", "3"} else "belum_kawin",
        "pendidikan": "sma",
        "pekerjaan": "Pedagang",
        "disabilitas": "",
    }
    row.update(cells)
    return row


def family(kk: int, *, first_serial: int, size: int = 3, **cells: str) -> list[dict[str, str]]:
    """A head, his wife and children, all with valid NIKs."""
    rows = [member(kk, first_serial, relationship="1", born=date(1980, 2, 3), **cells)]
    if size > 1:
        rows.append(
            member(kk, first_serial + 1, relationship="3", sex="P", born=date(1982, 4, 9), **cells)
        )
    rows += [
        member(kk, first_serial + n, relationship="4", born=date(2010 + n, 1, 15), **cells)
        for n in range(2, size)
    ]
    return rows


def csv_bytes(
    rows: Iterable[Mapping[str, str]],
    header: Sequence[str] = HOUSEHOLD_HEADER,
    delimiter: str = ",",
) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def preview(user: User, kind: str, content: bytes, name: str = "data.csv") -> Job:
    job = import_start(
        actor=user, kind_key=kind, upload=SimpleUploadedFile(name, content), language="en"
    )
    finished = job_run(job_id=job.pk, handler=import_preview)
    assert finished is not None and finished.status == Job.Status.SUCCEEDED, finished.error_message
    return finished


def commit(user: User, checked: Job) -> Job:
    job = import_commit_start(actor=user, preview_job_id=checked.pk)
    finished = job_run(job_id=job.pk, handler=import_commit)
    assert finished is not None and finished.status == Job.Status.SUCCEEDED, finished.error_message
    return finished


def errors_by_row(job: Job) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for error in job.error_rows:
        found.setdefault(error["row"], []).append((error["column"], error["reason"]))
    return found
