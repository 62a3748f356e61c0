"""Build, approve, send and write the BPJS premium file for `size` lines (a city's KIS
PBI-APBD members for one month), through the services.

Setup (not timed): `size` persons with NIKs (COPY) enrolled in one KIS cycle (one INSERT
... SELECT), a Dinkes officer who prepares and a Dinsos administrator who approves.
Timed: batch_create, batch_build (set-based chunks, lines written with COPY),
batch_approve, batch_send and batch_export. Then, for comparison, the same lines for
10,000 enrolments built by a plain per-line ORM loop (one query per check, one INSERT per
line), extrapolated to 300,000 [`naive_seconds_per_300k`].
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateRange

from benchmarks.harness import Context
from benchmarks.scenarios.enrol import persons_make
from depok_kds.accounts import user_create
from depok_kds.models import User
from depok_kds.roles import Role
from distribution.models import Batch, Line
from distribution.services import (
    batch_approve,
    batch_build,
    batch_create,
    batch_export,
    batch_send,
)
from programs.models import Cycle, Enrolment, Programme
from programs.services import cycle_open
from registry.models import Household, Person

DEFAULT_SIZE = 300_000
SMOKE_SIZE = 2000
NAIVE_SAMPLE = 10_000
PREMIUM = Decimal(42_000)


def kis_members(ctx: Context, size: int) -> tuple[Cycle, User, User]:
    """`size` persons enrolled in a KIS cycle of 2026, covered from January."""
    persons_make(ctx, size)
    programme = Programme.objects.get(code="kis-pbi-apbd")
    cycle = cycle_open(
        actor=None, programme_id=programme.pk, year=2026, quota=size,
        budget=PREMIUM * 12 * size, amount=PREMIUM * 12,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Enrolment._meta.db_table}
                (programme_id, cycle_id, year, person_id, household_id, kelurahan_code, source,
                 amount, enrolled_on, starts_on, status, exit_reason)
            SELECT %s, %s, 2026, p.id, p.household_id, h.kelurahan_code, 'import', %s,
                   '2025-12-15', '2026-01-01', 'active', ''
            FROM {Person._meta.db_table} p JOIN {Household._meta.db_table} h
              ON h.id = p.household_id
            """,  # noqa: S608
            [programme.pk, cycle.pk, PREMIUM * 12],
        )
        cursor.execute(f"ANALYZE {Enrolment._meta.db_table}")
    password = secrets.token_urlsafe(12)
    preparer = user_create(
        username="bench.dinkes", password=password, role=Role.AGENCY_OFFICER, agency_code="DINKES"
    )
    approver = user_create(username="bench.admin", password=password, role=Role.DINSOS_ADMIN)
    return cycle, preparer, approver


def disburse(
    cycle: Cycle, preparer: User, approver: User, *, tahap: int, month: int
) -> tuple[Batch, bytes]:
    batch = batch_create(
        actor=preparer, cycle_id=cycle.pk, tahap=tahap, period_start=date(2026, month, 1),
        period_end=date(2026, month, 28), planned_on=date(2026, month, 10),
    )  # fmt: skip
    batch_build(batch_id=batch.pk)
    batch_approve(actor=approver, batch_id=batch.pk)
    batch_send(actor=preparer, batch_id=batch.pk)
    _name, content = batch_export(actor=preparer, batch_id=batch.pk)
    return batch, content


def naive_build(batch: Batch, sample: int) -> int:
    """What a first version would do: per enrolment, load it, check, insert one line."""
    period = DateRange(batch.period_start, batch.period_end, "[]")
    made = 0
    for enrolment in Enrolment.objects.filter(cycle_id=batch.cycle_id).order_by("pk")[:sample]:
        person = Person.objects.get(pk=enrolment.person_id)
        if enrolment.status != "active" or person.is_deceased:
            continue
        if Line.objects.filter(enrolment=enrolment, live=True, period__overlap=period).exists():
            continue
        made += 1
        Line.objects.create(
            batch=batch, enrolment=enrolment, person=person,
            household_id=enrolment.household_id, kelurahan_code=enrolment.kelurahan_code,
            period=period, amount=PREMIUM, reference=f"NAIVE{batch.pk:04d}{made:07d}",
        )  # fmt: skip
    return made


def run(ctx: Context) -> dict[str, Any]:
    cycle, preparer, approver = kis_members(ctx, ctx.size)
    ctx.progress(0, 1, "disburse")
    with ctx.timer() as timer:
        batch, content = disburse(cycle, preparer, approver, tahap=1, month=1)
    ctx.progress(1, 1, "disburse")
    lines = batch.lines.count()
    if lines != ctx.size:
        raise RuntimeError(f"expected {ctx.size} lines, built {lines}")
    sample = min(NAIVE_SAMPLE, ctx.size)
    naive_batch = batch_create(
        actor=preparer, cycle_id=cycle.pk, tahap=2, period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28), planned_on=date(2026, 2, 10),
    )  # fmt: skip
    with ctx.timer() as naive:
        naive_build(naive_batch, sample)
    return {
        "seconds": round(timer.seconds, 2),
        "lines": lines,
        "lines_per_s": round(lines / timer.seconds, 1),
        "file_mb": round(len(content) / 1_048_576, 2),
        "naive_seconds_per_300k": round(naive.seconds * 300_000 / sample, 1),
    }
