"""Reconcile a `size`-row return file: 1% failures, 0.5% returned, 0.1% bad rows.

Setup (not timed): `size` KIS members disbursed for one month (built, approved, sent, as
the `disburse` scenario does), and the bank's return file written with the planted
failures, returns and bad rows (unknown references, amount mismatches, unknown status
codes, in turn). Timed: the upload with its preview and the apply. Then the same file is
uploaded and applied again, which must change nothing [`rerun_changed` = 0].

The limit, in the same run: the least reconciling can cost on this machine, a plain COPY
of the same file into a bare table and one UPDATE ... FROM of as many rows of a bare copy
of the lines (no index, no constraint, no check) [`limit_rows_per_s`, `ratio_to_limit`].
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from benchmarks.harness import Context
from benchmarks.scenarios.disburse import disburse, kis_members
from distribution.models import Line
from distribution.services import return_file_apply, return_file_upload

DEFAULT_SIZE = 300_000
SMOKE_SIZE = 2000


def return_file(references: list[tuple[str, int]]) -> tuple[bytes, int, int]:
    """The file, the bad rows planted and the lines it should change."""
    rows = ["reference;amount;status;reason"]
    bad = 0
    for n, (reference, amount) in enumerate(references):
        if n % 1000 == 7:  # 0.1% bad rows
            bad += 1
            kind = bad % 3
            if kind == 0:
                rows.append(f"XX{reference};{amount};00;")
            elif kind == 1:
                rows.append(f"{reference};{amount + 1};00;")
            else:
                rows.append(f"{reference};{amount};??;")
        elif n % 100 == 3:  # 1% failed
            rows.append(f"{reference};{amount};GAGAL;Rekening tidak aktif")
        elif n % 200 == 5:  # 0.5% returned
            rows.append(f"{reference};{amount};RETUR;Rekening ditutup")
        else:
            rows.append(f"{reference};{amount};00;")
    content = ("\r\n".join(rows) + "\r\n").encode()
    return content, bad, len(references) - bad


def copy_and_update_limit(ctx: Context, batch_id: int, content: bytes) -> float:
    """Seconds of the least the same work can cost: COPY the file into a bare table, then
    set the state of each matching line in a bare copy of the lines (rolled back)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_lines AS SELECT id, reference, state"
            " FROM distribution_line WHERE batch_id = %s",
            [batch_id],
        )
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_return"
            " (reference text, amount text, status text, reason text)"
        )
        with ctx.timer() as timer:
            with cursor.copy(
                "COPY bench_return FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)"
            ) as copy:
                copy.write(content)
            cursor.execute(
                "UPDATE bench_lines AS l SET state = r.status"
                " FROM bench_return AS r WHERE r.reference = l.reference"
            )
        transaction.set_rollback(True)
    return timer.seconds


def run(ctx: Context) -> dict[str, Any]:
    cycle, preparer, approver = kis_members(ctx, ctx.size)
    batch, _file = disburse(cycle, preparer, approver, tahap=1, month=1)
    references = [
        (reference, int(amount))
        for reference, amount in Line.objects.filter(batch=batch)
        .order_by("pk")
        .values_list("reference", "amount")
    ]
    content, planted, expected = return_file(references)
    ctx.progress(0, 2, "reconcile")
    with ctx.timer() as timer:
        upload = return_file_upload(
            actor=preparer, batch_id=batch.pk, file_name="retur.csv", content=content
        )
        applied = return_file_apply(actor=preparer, return_file_id=upload.pk)
    ctx.progress(1, 2, "reconcile")
    again = return_file_apply(
        actor=preparer,
        return_file_id=return_file_upload(
            actor=preparer, batch_id=batch.pk, file_name="retur.csv", content=content
        ).pk,
    )
    ctx.progress(2, 2, "reconcile")
    limit = copy_and_update_limit(ctx, batch.pk, content)
    found = upload.preview["bad_count"]
    if found != planted or applied.lines_changed != expected:
        raise RuntimeError(
            f"bad rows {found}/{planted}, lines changed {applied.lines_changed}/{expected}"
        )
    return {
        "seconds": round(timer.seconds, 2),
        "rows": len(references),
        "rows_per_s": round(len(references) / timer.seconds, 1),
        "bad_rows": found,
        "bad_rows_planted": planted,
        "lines_changed": applied.lines_changed,
        "lines_expected": expected,
        "rerun_changed": again.lines_changed,
        "limit_rows_per_s": round(len(references) / limit, 1),
        "ratio_to_limit": round(timer.seconds / limit, 2),
    }
