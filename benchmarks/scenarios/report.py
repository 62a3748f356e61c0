"""The recipients report over three years with `size` (300,000+) enrolments a year.

Setup (not timed): `size` persons and, per year 2021-2023, `size` KIS PBI enrolments plus the
other programmes' published figures (so each year holds more than `size` enrolments).
Timed: the report, unfiltered and filtered by kecamatan and kelurahan; p95 over the runs.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from django.db import connection

from benchmarks.harness import Context
from benchmarks.scenarios.enrol import persons_make
from programs.demo import RECIPIENTS_TABLE, recipients_seed, scaled
from programs.models import Enrolment
from programs.report import DEFAULT_YEARS, recipient_report

DEFAULT_SIZE = 300_000
SMOKE_SIZE = 2000
RUNS = 60


def run(ctx: Context) -> dict[str, Any]:
    persons_make(ctx, ctx.size)
    table = {**RECIPIENTS_TABLE, "kis-pbi-apbd": (ctx.size, ctx.size, ctx.size)}
    ctx.progress(0, 1, "enrolments")
    scale = recipients_seed(table=table)
    with connection.cursor() as cursor:
        # The steady state autovacuum keeps: statistics and a visibility map.
        cursor.execute(f"VACUUM ANALYZE {Enrolment._meta.db_table}")
    ctx.progress(1, 1, "enrolments")
    filters: list[dict[str, str]] = [{}, {"kecamatan": "32.76.01"}, {"kelurahan": "32.76.02.1009"}]
    timings: list[float] = []
    for i in range(RUNS):
        started = time.perf_counter()
        report = recipient_report(**filters[i % len(filters)])  # type: ignore[arg-type]
        timings.append((time.perf_counter() - started) * 1000)
        ctx.progress(i + 1, RUNS, "report")
    limit = sorted(_plain_ms(filters[i % len(filters)]) for i in range(RUNS))
    full = recipient_report()
    kis = next(r for r in full.rows if r.programme.code == "kis-pbi-apbd")
    if kis.counts != [scaled(ctx.size, scale)] * 3:
        raise RuntimeError(f"unexpected KIS counts {kis.counts}")
    timings.sort()
    p95, limit_p95 = _p95(timings), _p95(limit)
    return {
        "enrolments": Enrolment.objects.count(),
        "per_year": [full.total(i) for i in range(3)],
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(timings[-1], 1),
        "rows": len(report.rows),
        "limit_p95_ms": round(limit_p95, 1),
        "ratio_to_limit": round(p95 / limit_p95, 2),
    }


def _p95(sorted_ms: list[float]) -> float:
    return sorted_ms[int(len(sorted_ms) * 0.95) - 1]


def _plain_ms(filters: dict[str, str]) -> float:
    """The limit: the same counts by one plain GROUP BY over the enrolments' indexes, with
    no programme list, scope or demo note around it."""
    where = "year = ANY(%s)"
    params: list[Any] = [list(DEFAULT_YEARS)]
    if "kelurahan" in filters:
        where, params = where + " AND kelurahan_code = %s", [*params, filters["kelurahan"]]
    elif "kecamatan" in filters:
        where, params = (
            where + " AND kelurahan_code LIKE %s",
            [*params, filters["kecamatan"] + ".%"],
        )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT programme_id, year, count(DISTINCT person_id) FROM programs_enrolment"  # noqa: S608
            f" WHERE {where} GROUP BY 1, 2",
            params,
        )
        cursor.fetchall()
    return (time.perf_counter() - started) * 1000
