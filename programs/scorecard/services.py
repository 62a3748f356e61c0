# ruff: noqa: S608 - statements are built from the measures' constants; values are bound.
"""Taking the scorecard's snapshot: every measure counted for the whole city, one statement
each, and written as one row per kelurahan per measure for the date (zeros included).

Idempotent: a snapshot taken again on the same date replaces that date's counts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from programs.scorecard.measures import BASE_SQL, MEASURES, ROW_COLUMNS, Measure
from programs.scorecard.models import ScorecardCount
from registry.nik import today_wib
from registry.nik_sql import kabkota_code_list

STALE_AFTER_DAYS = 365

UPSERT = f"""
INSERT INTO {ScorecardCount._meta.db_table}
    (on_date, kelurahan_code, measure, count, base, created_at)
SELECT %(on)s, k.code, %(measure)s, coalesce(c.n, 0), coalesce(b.n, 0), %(now)s
FROM registry_kelurahan k
LEFT JOIN (SELECT m.kelurahan_code, count(*) AS n FROM ({{sql}}) AS m({{columns}})
           GROUP BY 1) c ON c.kelurahan_code = k.code
LEFT JOIN unnest(%(base_codes)s::text[], %(base_counts)s::int[]) AS b(code, n)
       ON b.code = k.code
ON CONFLICT (on_date, kelurahan_code, measure)
DO UPDATE SET count = EXCLUDED.count, base = EXCLUDED.base, created_at = EXCLUDED.created_at
RETURNING count
"""


def measure_params(on: date) -> dict[str, Any]:
    """The values every measure's statement is run with."""
    return {
        "year_ago": on - timedelta(days=STALE_AFTER_DAYS),
        "kabkota_codes": kabkota_code_list(),
    }


def _bases() -> dict[str, dict[str, int]]:
    bases: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        for base, sql in BASE_SQL.items():
            cursor.execute(sql)
            bases[base] = {code: n for code, n in cursor.fetchall()}
    return bases


def _count(measure: Measure, *, on: date, base: dict[str, int]) -> int:
    """Write the measure's counts for every kelurahan (one statement); return their sum."""
    statement = UPSERT.format(sql=measure.sql, columns=", ".join(ROW_COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            {
                **measure_params(on),
                "on": on,
                "measure": measure.code,
                "now": timezone.now(),
                "base_codes": list(base),
                "base_counts": list(base.values()),
            },
        )
        return sum(count for (count,) in cursor.fetchall())


def scorecard_snapshot_take(
    *, on: date | None = None, on_measure: Callable[[int, str], None] | None = None
) -> dict[str, Any]:
    """Count every measure for every kelurahan on `on` (today in WIB by default)."""
    on = on or today_wib()
    bases = _bases()
    totals: dict[str, int] = {}
    for done, measure in enumerate(MEASURES, start=1):
        totals[measure.code] = _count(measure, on=on, base=bases[measure.base])
        if on_measure is not None:
            on_measure(done, measure.code)
    return {"date": on.isoformat(), "totals": totals}
