"""Seed: load a synthetic city of `size` households the way `manage.py seed_demo` does.

Measures the whole load (generation, COPY of every table, the closing ANALYZE) into an
empty registry; peak_rss_mb shows that memory stays flat however large the city.
"""

from __future__ import annotations

from typing import Any

from benchmarks.harness import Context
from registry.synthetic.load import synthetic_city_load

DEFAULT_SIZE = 650_000
SMOKE_SIZE = 2000


def run(ctx: Context) -> dict[str, Any]:
    def progress(done: int, total: int) -> None:
        ctx.progress(done, total, "seed households")

    with ctx.timer() as timer:
        summary = synthetic_city_load(households=ctx.size, progress=progress)
    return {
        "seconds": round(timer.seconds, 3),
        "households": summary.households,
        "persons": summary.persons,
        "assessments": summary.assessments,
        "desil_records": summary.desil_records,
        "households_per_s": round(summary.households / timer.seconds, 1),
    }
