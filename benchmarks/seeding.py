# ruff: noqa: S608 - bench-only SQL built from the models' table names and constant columns.
"""Set-up that several scenarios share (never timed): a city of households and their members
copied straight into the tables, and the least a load of a CSV file can cost.

A scenario says what differs (each household's poverty and desil, each person's NIK, name and
birth date); the rows' other values, the columns and the numbering are the same everywhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone
from psycopg import sql

from benchmarks.harness import Context
from registry.models import Household, Kelurahan, Person
from registry.synthetic.load import synthetic_city_load

HOUSEHOLD_COLUMNS = (
    "kelurahan_code, rw, rt, address, status, poverty_class, desil, desil_period,"
    " created_at, updated_at"
)
PERSON_COLUMNS = (
    "household_id, nik, nik_status, full_name, name_normalized, sex, birth_place,"
    " birth_date, relationship, marital_status, education, occupation, disability,"
    " is_deceased, created_at, updated_at"
)
# (poverty_class, desil, desil_period) of household number i
HouseholdRanking = Callable[[int], tuple[str, int | None, str]]
# (NIK, name, birth date) of person number n
PersonIdentity = Callable[[int], tuple[str, str, date]]


def household_sizes(households: int) -> list[int]:
    """Families of three, one in four or so of four: about 3.2 members a household."""
    return [3 + (1 if i % 13 < 3 else 0) for i in range(households)]


def city_copy(
    ctx: Context,
    sizes: Sequence[int],
    *,
    ranking: HouseholdRanking,
    identity: PersonIdentity,
    with_heads: bool = False,
) -> tuple[int, int]:
    """One active household per entry of `sizes`, with that many members (member 0 the head,
    the others children) numbered in order; (first household id, first person id).

    `with_heads` also sets each household's head."""
    codes = list(Kelurahan.objects.values_list("code", flat=True))
    now = timezone.now().isoformat()
    with connection.cursor() as cursor:
        table = Household._meta.db_table
        with cursor.copy(f"COPY {table} ({HOUSEHOLD_COLUMNS}) FROM STDIN") as copy:
            for i in range(len(sizes)):
                poverty_class, desil, period = ranking(i)
                copy.write_row(
                    (codes[i % len(codes)], 1 + i % 15, 1 + i % 12, "-", "active",
                     poverty_class, desil, period, now, now)
                )  # fmt: skip
        cursor.execute(f"SELECT min(id) FROM {table}")
        hbase = cursor.fetchone()[0]
        n = 0
        with cursor.copy(f"COPY {Person._meta.db_table} ({PERSON_COLUMNS}) FROM STDIN") as copy:
            for i, size in enumerate(sizes):
                for m in range(size):
                    nik, name, born = identity(n)
                    copy.write_row(
                        (hbase + i, nik, "valid", name, name.lower(), "M" if n % 2 else "F", "",
                         born, "1" if m == 0 else "4", "kawin", "sma", "", "none", False, now,
                         now)
                    )  # fmt: skip
                    n += 1
                if i % 50_000 == 0:
                    ctx.progress(i, len(sizes), "city")
        cursor.execute(f"SELECT min(id), count(*) FROM {Person._meta.db_table}")
        pbase, count = cursor.fetchone()
        if count != n:
            raise RuntimeError("persons were not numbered contiguously")
        if with_heads:
            cursor.execute(
                f"UPDATE {table} h SET head_id = p.id FROM {Person._meta.db_table} p"
                " WHERE p.household_id = h.id AND p.relationship = '1'"
            )
    return hbase, pbase


def copy_limit_seconds(path: Path, columns: Sequence[str]) -> float:
    """The least a load of the CSV file at `path` (with a header) can cost, measured in the
    same run as what it is the reference of: one plain COPY into a bare table of text
    `columns`, with no checks, no indexes and one connection."""
    names: Any = sql.SQL(", ").join(
        sql.SQL("{} text").format(sql.Identifier(column.lower())) for column in columns
    )
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE TABLE bench_copy_limit ({})").format(names))
        started = time.perf_counter()
        with (
            path.open("rb") as handle,
            cursor.copy("COPY bench_copy_limit FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while data := handle.read(1 << 20):
                copy.write(data)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_limit")
    return seconds


def synthetic_city(ctx: Context) -> None:
    """A synthetic city of `ctx.size` households (`synthetic_city_load`), unless the database
    (a copy of one kept with `--keep`, given as `--template`) already holds one of that size."""
    existing = Household.objects.count()
    if existing == 0:
        synthetic_city_load(
            households=ctx.size, progress=lambda done, total: ctx.progress(done, total, "seed")
        )
    elif existing != ctx.size:
        raise RuntimeError(f"the database holds {existing} households, not --size {ctx.size}")
