"""Reconciliation: the bank's return file, previewed before anything changes, then applied.

Each row is matched by reference (a line's, or a school transfer's covering its lines),
its amount compared, and the line set paid, failed (with the bank's reason) or returned.
The preview lists, with row number and reason, what will change and what cannot: unknown
references, duplicates, amount mismatches, rows for another batch, undecodable rows and
transitions a line cannot make. The file is read and judged once, at upload: its verdict
(the lines it moves) is kept on the ReturnFile and the apply moves them in one statement.
Applying is idempotent: a line already in the reported state, or one that may not leave
its state for it, is not moved, so the same file twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import Actor, audit_record, recorded_user
from depok_kds.errors import Conflict
from depok_kds.formatting import rupiah
from distribution import return_file
from distribution.channels import adapter_for
from distribution.channels.school_transfer import SchoolTransfer, school_reference
from distribution.models import (
    Batch,
    BatchEvent,
    BatchState,
    Channel,
    Line,
    LineState,
    ReturnFile,
)
from distribution.services.access import programme_check
from distribution.services.batches import batch_settle

L = LineState
# Which line states a row may move a line from, per the state it reports.
ALLOWED_FROM: dict[str, set[str]] = {
    L.PAID: {L.PENDING},
    L.FAILED: {L.PENDING},
    L.RETURNED: {L.PENDING, L.PAID},
}


@dataclass
class Plan:
    """What applying a return file would do now (the moves themselves stay in the database,
    on the ReturnFile row)."""

    counts: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    bad: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "paid": self.counts.get(L.PAID, 0),
            "failed": self.counts.get(L.FAILED, 0),
            "returned": self.counts.get(L.RETURNED, 0),
            "unchanged": self.unchanged,
            "bad": self.bad[:1000],
            "bad_count": len(self.bad),
        }


def _target_sql(batch: Batch) -> tuple[str, dict[str, Any]]:
    """reference -> (line ids, amount, line states) for every line or transfer of the batch,
    as SQL: a school transfer covers all of its school's lines."""
    table = Line._meta.db_table
    if batch.channel == Channel.SCHOOL_TRANSFER:
        sql = f"""
            SELECT %(prefix)s || CASE WHEN payee_id < 10000000
                                      THEN lpad(payee_id::text, 7, '0') ELSE payee_id::text END
                       AS key,
                   array_agg(id ORDER BY id) AS ids, sum(amount) AS amount,
                   array_agg(state::text ORDER BY id) AS states
            FROM {table} WHERE batch_id = %(batch)s AND state <> 'cancelled'
            GROUP BY payee_id
        """  # noqa: S608 - table name from the model, values bound
        return sql, {"batch": batch.pk, "prefix": school_reference(batch, 0)[:-7]}
    sql = f"""
        SELECT reference AS key, ARRAY[id] AS ids, amount, ARRAY[state::text] AS states
        FROM {table} WHERE batch_id = %(batch)s AND state <> 'cancelled'
    """  # noqa: S608 - table name from the model, values bound
    return sql, {"batch": batch.pk}


# Per staged row, what it does. The first row of a reference decides, a later one is a
# duplicate; a row moves only the lines not already in its state, and only when each of
# them may leave its state for it (ALLOWED_FROM).
VERDICT_SQL = """
CREATE TEMPORARY TABLE distribution_verdict ON COMMIT DROP AS
WITH staged AS (
    SELECT r.*, row_number() OVER (PARTITION BY r.reference ORDER BY r.row) AS nth
    FROM distribution_return AS r WHERE r.problem IS NULL
),
target AS ({target}),
allowed (to_state, from_state) AS (SELECT * FROM unnest(%(to)s::text[], %(from)s::text[]))
SELECT f.row, f.reference, f.amount, f.status, f.reason, t.ids, t.states, t.amount AS sent,
       CASE
           WHEN f.nth > 1 THEN 'twice'
           WHEN t.key IS NULL THEN
               CASE WHEN EXISTS (SELECT 1 FROM {line} AS o WHERE o.reference = f.reference)
                    THEN 'elsewhere' ELSE 'unknown' END
           WHEN f.amount <> t.amount THEN 'amount'
           WHEN f.status = ALL (t.states) THEN 'unchanged'
           WHEN EXISTS (
               SELECT 1 FROM unnest(t.states) AS s (state)
               WHERE s.state <> f.status AND NOT EXISTS (
                   SELECT 1 FROM allowed AS a
                   WHERE a.to_state = f.status AND a.from_state = s.state))
               THEN 'transition'
           ELSE 'change'
       END AS verdict
FROM staged AS f LEFT JOIN target AS t ON t.key = f.reference
"""

# The moves of a plan: (line_id, to_state, reason), each line at most once.
MOVES_SQL = """
SELECT u.line_id, v.status AS to_state, v.reason
FROM distribution_verdict AS v, unnest(v.ids, v.states) AS u (line_id, state)
WHERE v.verdict = 'change' AND u.state <> v.status
"""


def _bad_reason(
    verdict: str, amount: Decimal, status: str, sent: Decimal | None, state: str | None
) -> str:
    if verdict == "twice":
        return "The reference appears twice in the file."
    if verdict == "elsewhere":
        return "The reference belongs to another batch."
    if verdict == "unknown":
        return "The reference is unknown."
    if verdict == "amount":
        return f"The amount differs: {rupiah(amount)} in the file, {rupiah(sent or 0)} sent."
    return f"A {state} line cannot become {status}."


# The upload keeps its verdict on the ReturnFile row: the moves, as three arrays, and
# counts them for the preview.
STAGE_SQL = f"""
UPDATE {ReturnFile._meta.db_table}
SET move_lines = coalesce(m.lines, '{{}}'), move_states = coalesce(m.states, '{{}}'),
    move_reasons = coalesce(m.reasons, '{{}}')
FROM (
    SELECT array_agg(line_id ORDER BY line_id) AS lines,
           array_agg(to_state ORDER BY line_id) AS states,
           array_agg(left(reason, 200) ORDER BY line_id) AS reasons,
           count(*) FILTER (WHERE to_state = 'paid') AS paid,
           count(*) FILTER (WHERE to_state = 'failed') AS failed,
           count(*) FILTER (WHERE to_state = 'returned') AS returned
    FROM ({MOVES_SQL}) AS moves
) AS m
WHERE id = %(file)s
RETURNING m.paid, m.failed, m.returned
"""  # noqa: S608 - table name from the model, values bound


def return_plan(batch: Batch, content: bytes, upload: ReturnFile) -> Plan:
    """Judge the file: staged in a temporary table (`return_file.stage`), every row judged
    by one statement into `distribution_verdict` (dropped at commit; call inside a
    transaction), and the moves kept on `upload` for the apply."""
    layout = adapter_for(batch.programme_id).settings.get("return_layout")
    target, params = _target_sql(batch)
    pairs = [(to, frm) for to, froms in ALLOWED_FROM.items() for frm in sorted(froms)]
    plan = Plan()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS distribution_verdict")
        return_file.stage(cursor, content, layout)
        cursor.execute(
            "SELECT row, reference, problem FROM distribution_return WHERE problem IS NOT NULL"
        )
        plan.bad = [
            {"row": number, "reference": reference, "reason": reason}
            for number, reference, reason in cursor.fetchall()
        ]
        cursor.execute(
            VERDICT_SQL.format(target=target, line=Line._meta.db_table),
            {**params, "to": [p[0] for p in pairs], "from": [p[1] for p in pairs]},
        )
        cursor.execute(
            "SELECT row, reference, verdict, amount, status, sent, states[1]"
            " FROM distribution_verdict WHERE verdict NOT IN ('change', 'unchanged')"
        )
        for number, reference, verdict, amount, status, sent, state in cursor.fetchall():
            reason = _bad_reason(verdict, amount, status, sent, state)
            plan.bad.append({"row": number, "reference": reference, "reason": reason})
        cursor.execute(
            "SELECT count(*) FILTER (WHERE verdict = 'unchanged'),"
            " (SELECT count(*) FROM distribution_return) FROM distribution_verdict"
        )
        plan.unchanged, plan.rows = cursor.fetchone()
        cursor.execute(STAGE_SQL, {"file": upload.pk})
        paid, failed, returned = cursor.fetchone()
        plan.counts = {L.PAID: paid, L.FAILED: failed, L.RETURNED: returned}
    plan.bad.sort(key=lambda item: item["row"])
    return plan


# Applying the kept verdict: one UPDATE of the batch's lines, each moving only from a state
# it may leave (a line another file moved since the upload stays as it is). The outcome is
# stored on the line (state, the bank's reason, the day); which file moved it is the file's
# `move_lines`. Paying a pending line changes no indexed value, so it is updated in place.
APPLY_SQL = f"""
WITH moves AS (
    SELECT m.line_id, m.to_state, m.reason
    FROM {ReturnFile._meta.db_table} AS f,
         unnest(f.move_lines, f.move_states, f.move_reasons) AS m (line_id, to_state, reason)
    WHERE f.id = %(file)s
),
changed AS (
    UPDATE {Line._meta.db_table} AS line
    SET state = moves.to_state,
        reason = CASE WHEN moves.to_state = 'paid' THEN line.reason ELSE moves.reason END,
        settled_on = %(today)s
    FROM moves
    WHERE line.id = moves.line_id AND line.batch_id = %(batch)s
      AND ((moves.to_state IN ('paid', 'failed') AND line.state = 'pending')
           OR (moves.to_state = 'returned' AND line.state IN ('pending', 'paid')))
    RETURNING moves.to_state
)
SELECT to_state, count(*) FROM changed GROUP BY to_state
"""  # noqa: S608 - table names from the models, values bound


def _apply(upload: ReturnFile) -> dict[str, int]:
    """Apply the upload's kept verdict; how many lines moved to each state."""
    with connection.cursor() as cursor:
        # The planner cannot know how many moves the arrays hold (it guesses a few), and on
        # a table not yet analysed it would scan the lines once per move: a hash join is
        # right for a handful of moves as for 300,000.
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(
            APPLY_SQL,
            {"today": timezone.localdate(), "file": upload.pk, "batch": upload.batch_id},
        )
        moved = dict(cursor.fetchall())
        cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
    return moved


def _staging_drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE distribution_return, distribution_verdict")


@transaction.atomic
def return_file_upload(
    *, actor: Actor, batch_id: int, file_name: str, content: bytes
) -> ReturnFile:
    """Store a return file and its preview; nothing changes until it is applied."""
    batch = Batch.objects.select_related("programme__agency").get(pk=batch_id)
    programme_check(actor, batch.programme, "distribution.reconcile_batch")
    if batch.state not in (BatchState.SENT, BatchState.SETTLED):
        raise Conflict(_("Only a sent batch can be reconciled."), code="wrong_state")
    upload = ReturnFile.objects.create(
        batch=batch,
        file_name=file_name[:200],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=recorded_user(actor),
    )
    upload.preview = return_plan(batch, content, upload).summary()
    ReturnFile.objects.filter(pk=upload.pk).update(preview=upload.preview)
    _staging_drop()
    audit_record(
        actor=actor,
        action="distribution.return_file_upload",
        target=upload,
        after={"file": upload.file_name, "sha256": upload.sha256},
    )
    return upload


@transaction.atomic
def return_file_apply(*, actor: Actor, return_file_id: int) -> ReturnFile:
    """Apply a previewed return file; a sent batch with no pending line left is settled."""
    upload = ReturnFile.objects.select_for_update().get(pk=return_file_id)
    batch = (
        Batch.objects.select_for_update(of=("self",))
        .select_related("programme__agency")
        .get(pk=upload.batch_id)
    )
    programme_check(actor, batch.programme, "distribution.reconcile_batch")
    if batch.state not in (BatchState.SENT, BatchState.SETTLED):
        raise Conflict(_("Only a sent batch can be reconciled."), code="wrong_state")
    moved = _apply(upload)
    changed = sum(moved.values())
    upload.applied_at = timezone.now()
    upload.lines_changed = changed
    upload.preview = {**upload.preview, "applied": True, "changed": moved}
    upload.save(update_fields=["applied_at", "lines_changed", "preview", "updated_at"])
    # One event for the batch per file applied; each line holds its own outcome.
    counts = ", ".join(f"{count} {state}" for state, count in sorted(moved.items()))
    BatchEvent.objects.create(
        batch=batch,
        actor=recorded_user(actor),
        from_state=batch.state,
        to_state=batch.state,
        note=f"{upload.file_name}: {counts or 'no line changed'}"[:500],
    )
    audit_record(
        actor=actor,
        action="distribution.return_file_apply",
        target=upload,
        after={"changed": changed, "moved": moved, "bad": upload.preview.get("bad_count", 0)},
    )
    if batch.state == BatchState.SENT and not batch.lines.filter(state=L.PENDING).exists():
        batch_settle(actor=None, batch_id=batch.pk)
    return upload


__all__ = ["SchoolTransfer", "return_file_apply", "return_file_upload", "return_plan"]
