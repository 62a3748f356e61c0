"""Demo: insert `size` Job rows with one chunked bulk_create, then count them.

The smallest scenario there is; it shows the shape of one and checks the harness.
"""

from __future__ import annotations

from typing import Any

from benchmarks.harness import Context
from depok_kds.models import Job

DEFAULT_SIZE = 10_000
SMOKE_SIZE = 200
BATCH_SIZE = 10_000


def run(ctx: Context) -> dict[str, Any]:
    jobs = []
    for i in range(ctx.size):
        jobs.append(Job(kind="benchmark.demo", total=ctx.size, done=i, params={"row": i}))
        if i % 1_000 == 0:
            ctx.progress(i, ctx.size, "build rows")
    ctx.progress(ctx.size, ctx.size, "build rows")

    with ctx.timer() as insert:
        Job.objects.bulk_create(jobs, batch_size=BATCH_SIZE)
        rows = Job.objects.filter(kind="benchmark.demo").count()
    if rows != ctx.size:
        raise RuntimeError(f"expected {ctx.size} Job rows, counted {rows}")
    return {"rows": rows, "rows_per_s": round(rows / insert.seconds, 1)}
