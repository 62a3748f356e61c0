"""A DTSEN quarter for the whole city imported, and its impact report computed.

`size` is the number of persons ranked (default 2,100,000, Depok's population): families of
3-4 members, each member ranked by NIK in the previous quarter (2026Q3) and matched, so
every household has a desil; the heads of households in desil 1-5 hold a KIS PBI-APBD
enrolment of 2026. One household in eight is ranked across the desil 5/6 boundary in the
new quarter (2026Q4), half of them out of desil 1-5 and half into it. Not timed: the city
and the quarter's CSV file.

Timed (`seconds`): the staff desil import (preview job and commit job, run as a worker runs
them) and the impact job the import queues, run the same way. `affected`: the active
enrolments whose exit the quarter proposes (checked against the planted count), with
`entered`, `left` and `newly_eligible`. Reference measured in the same run
(`copy_limit_seconds`): one plain COPY of the same file into a bare table of text columns,
the least a load of the file can do; the harness adds the load average.
"""

from __future__ import annotations

import csv
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from benchmarks.harness import Context
from benchmarks.seeding import city_copy, copy_limit_seconds
from depok_kds.accounts import user_create
from depok_kds.jobs import job_run
from depok_kds.models import Job, User
from depok_kds.roles import Role
from programs.models import Cycle, Enrolment, Programme
from programs.transition.tasks import KIND as IMPACT_KIND
from programs.transition.tasks import impact_job
from registry.imports.selectors import COMMIT_KIND, PREVIEW_KIND
from registry.imports.services import imports_dir, prepared_path
from registry.imports.tasks import import_commit, import_preview
from registry.models import DesilRecord, Kelurahan

DEFAULT_SIZE = 2_100_000
SMOKE_SIZE = 20_000
BEFORE, QUARTER = "2026Q3", "2026Q4"
YEAR = 2026
KIS = "kis-pbi-apbd"


def nik(n: int) -> str:
    """A well-formed, unique Depok NIK for person number n."""
    combo, serial = divmod(n, 9999)
    day, rest = combo % 28 + 1, combo // 28
    female, rest = rest % 2, rest // 2
    month, year = rest % 12 + 1, 60 + (rest // 12) % 40
    return f"327601{day + 40 * female:02d}{month:02d}{year:02d}{serial + 1:04d}"


def _sizes(persons: int) -> list[int]:
    sizes, total, i = [], 0, 0
    while total < persons:
        size = min(3 + (1 if i % 13 < 3 else 0), persons - total)
        sizes.append(size)
        total += size
        i += 1
    return sizes


def _desil(i: int) -> tuple[int, int]:
    """A household's desil before and after the quarter: one in eight crosses 5/6."""
    before = 1 + (i * 7) % 10
    return before, (11 - before if i % 8 == 0 and before in (2, 3, 4, 5, 6, 7, 8, 9) else before)


def _copy_city(ctx: Context, sizes: list[int]) -> tuple[int, int]:
    """Households, persons, their heads and last quarter's matched rankings; (hbase, pbase)."""
    hbase, pbase = city_copy(
        ctx,
        sizes,
        ranking=lambda i: ("", _desil(i)[0], BEFORE),
        identity=lambda n: (nik(n), f"Warga {n}", date(1970 + n % 40, 1 + n % 12, 1 + n % 28)),
        with_heads=True,
    )
    now = timezone.now().isoformat()
    columns = "nik, kk_number, desil, period, person_id, household_id, created_at"
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {DesilRecord._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        n = 0
        for i, size in enumerate(sizes):
            before, _after = _desil(i)
            for _m in range(size):
                copy.write_row((nik(n), "", before, BEFORE, pbase + n, hbase + i, now))
                n += 1
    return hbase, pbase


def _copy_kis(sizes: list[int], hbase: int, pbase: int) -> int:
    """A 2026 KIS enrolment for the head of every household in desil 1-5; how many."""
    programme = Programme.objects.get(code=KIS)
    cycle = Cycle.objects.create(programme=programme, year=YEAR, quota=10**7, amount=504_000)
    columns = (
        "programme_id, cycle_id, year, person_id, household_id, kelurahan_code, source, amount,"
        " enrolled_on, status, exit_reason"
    )
    codes = list(Kelurahan.objects.values_list("code", flat=True))
    count, first = 0, pbase
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {Enrolment._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for i, size in enumerate(sizes):
            if _desil(i)[0] <= 5:
                copy.write_row(
                    (programme.pk, cycle.pk, YEAR, first, hbase + i, codes[i % len(codes)],
                     "import", 504_000, date(YEAR, 2, 1), "active", "")
                )  # fmt: skip
                count += 1
            first += size
    return count


def _write_quarter(path: Path, sizes: list[int]) -> int:
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("nik", "desil", "periode"))
        n = 0
        for i, size in enumerate(sizes):
            _before, after = _desil(i)
            for _m in range(size):
                writer.writerow((nik(n), after, QUARTER))
                n += 1
                rows += 1
    return rows


def _run(kind: str, actor: User | None, params: dict[str, Any], handler: Any) -> Job:
    job = Job.objects.create(kind=kind, requested_by=actor, params=params)
    return _finish(job, handler)


def _finish(job: Job, handler: Any) -> Job:
    finished = job_run(job_id=job.pk, handler=handler)
    if finished is None or finished.status != Job.Status.SUCCEEDED:
        raise RuntimeError(f"{job.kind} failed: {finished.error_message if finished else '?'}")
    return finished


def run(ctx: Context) -> dict[str, Any]:
    actor = user_create(username="bench.dtsen", password=None, role=Role.DINSOS_ADMIN)
    sizes = _sizes(ctx.size)
    hbase, pbase = _copy_city(ctx, sizes)
    enrolled = _copy_kis(sizes, hbase, pbase)
    planted_left = sum(1 for i in range(len(sizes)) if _desil(i)[0] <= 5 < _desil(i)[1])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    imports_dir().mkdir(parents=True, exist_ok=True)
    stored = f"bench-{uuid.uuid4().hex}.csv"
    path = imports_dir() / stored
    try:
        rows = _write_quarter(path, sizes)
        ctx.progress(0, 3, "quarter")
        params = {"kind": "desil", "path": stored, "file_name": "dtsen.csv"}
        with ctx.timer() as timer:
            checked = _run(PREVIEW_KIND, actor, params, import_preview)
            ctx.progress(1, 3, "quarter")
            written = _run(COMMIT_KIND, actor, {"preview_job": checked.pk}, import_commit)
            ctx.progress(2, 3, "quarter")
            queued = Job.objects.filter(kind=IMPACT_KIND, status=Job.Status.QUEUED).get()
            impact = _finish(queued, impact_job)
            ctx.progress(3, 3, "quarter")
        reference = copy_limit_seconds(path, ("nik", "desil", "periode"))
    finally:
        path.unlink(missing_ok=True)
        prepared_path(path).unlink(missing_ok=True)
    result = impact.result["periods"][QUARTER]
    return {
        "persons": rows,
        "households": len(sizes),
        "kis_enrolments": enrolled,
        "seconds": round(timer.seconds, 2),
        "preview_seconds": round(_elapsed(checked), 2),
        "commit_seconds": round(_elapsed(written), 2),
        "impact_seconds": round(_elapsed(impact), 2),
        "affected": result["proposed"],
        "planted_affected": planted_left,
        "entered": result["entered"],
        "left": result["left"],
        "newly_eligible": result["newly_eligible"],
        "impact_step_seconds": result["step_seconds"],
        "copy_limit_seconds": round(reference, 2),
        "ratio_to_limit": round(timer.seconds / reference, 1) if reference else None,
    }


def _elapsed(job: Job) -> float:
    if job.started_at is None or job.finished_at is None:
        return 0.0
    return (job.finished_at - job.started_at).total_seconds()


def smoke_problems(report: dict[str, Any]) -> list[str]:
    """Every planted KIS household that left desil 1-5 has its enrolment proposed to exit."""
    if report["affected"] != report["planted_affected"]:
        return [f"proposed {report['affected']} exits, planted {report['planted_affected']}"]
    return []
