"""Enrol `size` people into one programme cycle (a KIS PBI-sized list) through the import path.

Setup (not timed): `size` registered persons in size/3 households, written with COPY, and a
CSV recipient list of their NIKs; the programme's verification policy needs no checks.
Timed: the import job's handler end to end (read the file,
stage with COPY, check against the registry and the rules, enrol the good rows set-based).
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.db import connection
from django.utils import timezone

from benchmarks.harness import Context
from depok_kds.jobs import job_run
from depok_kds.models import Job
from programs.imports import KIND, recipient_import_run
from programs.models import Enrolment, Programme, RecipientImport
from programs.services import cycle_open
from registry.models import Household, Kelurahan, Person
from verification.models import Policy

DEFAULT_SIZE = 300_000
SMOKE_SIZE = 20_000
PERSONS_PER_HOUSEHOLD = 3


def persons_make(ctx: Context, n: int) -> list[str]:
    """COPY n persons (with NIKs) into n/3 households spread over the 63 kelurahan."""
    codes = list(Kelurahan.objects.values_list("code", flat=True))
    households = -(-n // PERSONS_PER_HOUSEHOLD)
    now = timezone.now().isoformat()
    with connection.cursor() as cursor:
        columns = (
            "kelurahan_code, rw, rt, address, status, poverty_class, desil, desil_period,"
            " created_at, updated_at"
        )
        with cursor.copy(f"COPY {Household._meta.db_table} ({columns}) FROM STDIN") as copy:
            for i in range(households):
                copy.write_row(
                    (
                        codes[i % len(codes)],
                        1 + i % 15,
                        1 + i % 12,
                        f"Jl. Uji {i}",
                        "active",
                        "miskin",
                        1 + i % 5,
                        "",
                        now,
                        now,
                    )
                )
        cursor.execute(f"SELECT id FROM {Household._meta.db_table} ORDER BY id")  # noqa: S608
        ids = [row[0] for row in cursor.fetchall()]
        niks = [f"32760{i:011d}" for i in range(n)]
        columns = (
            "household_id, nik, nik_status, full_name, name_normalized, sex, birth_place,"
            " birth_date, relationship, marital_status, education, occupation, disability,"
            " is_deceased, created_at, updated_at"
        )
        with cursor.copy(f"COPY {Person._meta.db_table} ({columns}) FROM STDIN") as copy:
            for i, nik in enumerate(niks):
                copy.write_row(
                    (
                        ids[i // PERSONS_PER_HOUSEHOLD],
                        nik,
                        "valid",
                        f"Warga {i}",
                        f"warga {i}",
                        "M" if i % 2 else "F",
                        "Depok",
                        date(1950 + i % 60, 1 + i % 12, 1 + i % 28),
                        "1" if i % PERSONS_PER_HOUSEHOLD == 0 else "4",
                        "kawin",
                        "sma",
                        "",
                        "none",
                        False,
                        now,
                        now,
                    )
                )
                if i % 50_000 == 0:
                    ctx.progress(i, n, "persons")
        cursor.execute(f"ANALYZE {Household._meta.db_table}; ANALYZE {Person._meta.db_table}")
    ctx.progress(n, n, "persons")
    return niks


def run(ctx: Context) -> dict[str, Any]:
    niks = persons_make(ctx, ctx.size)
    programme = Programme.objects.get(code="kis-pbi-apbd")
    # A list enrolled straight from an import passes the same gates as an approval: the
    # required verification checks too. A list already verified elsewhere (the BPJS and
    # DTSEN lists KIS PBI comes from) is imported under a policy that says so explicitly.
    Policy.objects.filter(programme=programme).update(checks=[])
    cycle = cycle_open(actor=None, programme_id=programme.pk, year=2025, quota=ctx.size)
    text = io.StringIO()
    text.write("nik,jkn_segment\n")
    for nik in niks:
        text.write(f"{nik},none\n")
    upload = RecipientImport.objects.create(
        cycle=cycle, file_name="kis-pbi.csv", content=text.getvalue().encode()
    )
    job = Job.objects.create(kind=KIND, params={"import_id": upload.pk, "commit": True})
    with ctx.timer() as timer:
        finished = job_run(job_id=job.pk, handler=recipient_import_run)
    if finished is None or finished.status != Job.Status.SUCCEEDED:
        raise RuntimeError(f"import failed: {finished and finished.error_message}")
    enrolled = Enrolment.objects.filter(cycle=cycle).count()
    if enrolled != ctx.size:
        raise RuntimeError(f"expected {ctx.size} enrolments, found {enrolled}")
    return {
        "enrolled": enrolled,
        "seconds": round(timer.seconds, 2),
        "rows_per_s": round(enrolled / timer.seconds, 1),
    }
