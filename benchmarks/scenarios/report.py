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
from programs.report import recipient_report

DEFAULT_SIZE = 300_000
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
    full = recipient_report()
    kis = next(r for r in full.rows if r.programme.code == "kis-pbi-apbd")
    if kis.counts != [scaled(ctx.size, scale)] * 3:
        raise RuntimeError(f"unexpected KIS counts {kis.counts}")
    timings.sort()
    return {
        "enrolments": Enrolment.objects.count(),
        "per_year": [full.total(i) for i in range(3)],
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
        "max_ms": round(timings[-1], 1),
        "rows": len(report.rows),
    }
