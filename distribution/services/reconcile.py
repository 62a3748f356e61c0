"""Reconciliation: the bank's return file, previewed before anything changes, then applied.

Each row is matched by reference (a line's, or a school transfer's covering its lines),
its amount compared, and the line set paid, failed (with the bank's reason) or returned.
The preview lists, with row number and reason, what will change and what cannot: unknown
references, duplicates, amount mismatches, rows for another batch, undecodable rows and
transitions a line cannot make. The file is read and judged once, at upload: its verdict
(the lines it moves) is kept on the ReturnFile and the apply moves them, one statement per
state.
Applying is idempotent: a line already in the reported state, or one that may not leave
its state for it, is not moved, so the same file twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

import psycopg
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from depok_kds.audit import Actor, audit_record, recorded_user
from depok_kds.errors import Conflict
from distribution import reasons, return_file
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
# The upload's file and kept verdict, large, read only by the statements that need them.
VERDICT_FIELDS = (
    "content",
    "paid_lines",
    "failed_lines",
    "failed_reasons",
    "returned_lines",
    "returned_reasons",
)
# A file's rows, and its moves, fit in memory: sorted and hashed there, not in temporary
# files (for the statements of an upload and an apply only).
WORK_MEM = "64MB"
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
    """reference -> (line id and state, or line ids and states, amount) for every line or
    transfer of the batch, as SQL: a school transfer covers all of its school's lines (the
    arrays); a line's own reference, that line (no array built and compared per row)."""
    table = Line._meta.db_table
    if batch.channel == Channel.SCHOOL_TRANSFER:
        sql = f"""
            SELECT %(prefix)s || CASE WHEN payee_id < 10000000
                                      THEN lpad(payee_id::text, 7, '0') ELSE payee_id::text END
                       AS key,
                   NULL::bigint AS id, NULL::text AS state,
                   array_agg(id ORDER BY id) AS ids, sum(amount) AS amount,
                   array_agg(state::text ORDER BY id) AS states
            FROM {table} WHERE batch_id = %(batch)s AND state <> 'cancelled'
            GROUP BY payee_id
        """  # noqa: S608 - table name from the model, values bound
        return sql, {"batch": batch.pk, "prefix": school_reference(batch, 0)[:-7]}
    sql = f"""
        SELECT reference AS key, id, state::text AS state, NULL::bigint[] AS ids, amount,
               NULL::text[] AS states
        FROM {table} WHERE batch_id = %(batch)s AND state <> 'cancelled'
    """  # noqa: S608 - table name from the model, values bound
    return sql, {"batch": batch.pk}


# The whole verdict, in one statement over the staged rows: each row judged, the moves
# kept on the ReturnFile (line ids per state the bank reports, with its reasons) and the
# rows that cannot apply returned, with one last row (`row` null) of counts: unchanged,
# rows, then the lines moved to paid, failed and returned. The first row of a reference
# decides, a later one is a duplicate; a row moves only the lines not already in its
# state, and only when each of them may leave its state for it (ALLOWED_FROM).
VERDICT_SQL = """
WITH rows AS MATERIALIZED ({rows}),
target AS ({target}),
repeated AS (
    SELECT reference, min(row) AS first FROM rows WHERE problem IS NULL
    GROUP BY reference HAVING count(*) > 1
),
allowed (status, froms) AS (
    SELECT a.status, string_to_array(a.froms, ',')
    FROM unnest(%(to)s::text[], %(from)s::text[]) AS a (status, froms)
),
judged AS MATERIALIZED (
    SELECT r.row, r.reference, r.amount, r.status, r.reason, r.problem, t.id, t.state,
           t.ids, t.states,
           t.amount AS sent,
           CASE
               WHEN r.problem IS NOT NULL THEN 'problem'
               WHEN r.row > d.first THEN 'twice'
               -- Looked up by the index, only for a reference the batch does not have.
               WHEN t.key IS NULL THEN
                   CASE WHEN (SELECT 1 FROM {line} AS o WHERE o.reference = r.reference LIMIT 1)
                             IS NOT NULL
                        THEN 'elsewhere' ELSE 'unknown' END
               WHEN r.amount <> t.amount THEN 'amount'
               WHEN CASE WHEN t.id IS NULL THEN r.status = ALL (t.states)
                         ELSE r.status = t.state END THEN 'unchanged'
               WHEN CASE WHEN t.id IS NULL THEN NOT t.states <@ a.froms
                         ELSE t.state <> ALL (a.froms) END THEN 'transition'
               ELSE 'change'
           END AS verdict
    FROM rows AS r
    LEFT JOIN repeated AS d ON d.reference = r.reference
    LEFT JOIN target AS t ON t.key = r.reference AND r.problem IS NULL
    LEFT JOIN allowed AS a ON a.status = r.status
),
moves AS (
    -- A reference of one line that changes moves that line: no unnest per row.
    SELECT j.id AS line_id, j.status, j.reason
    FROM judged AS j WHERE j.verdict = 'change' AND j.id IS NOT NULL
    UNION ALL
    SELECT u.line_id, j.status, j.reason
    FROM judged AS j, unnest(j.ids, j.states) AS u (line_id, state)
    WHERE j.verdict = 'change' AND j.ids IS NOT NULL AND u.state <> j.status
),
kept AS (
    UPDATE {file_table} AS f
    SET paid_lines = coalesce(m.paid, '{{}}'),
        failed_lines = coalesce(m.failed, '{{}}'),
        failed_reasons = coalesce(m.failed_reasons, '{{}}'),
        returned_lines = coalesce(m.returned, '{{}}'),
        returned_reasons = coalesce(m.returned_reasons, '{{}}')
    FROM (
        -- One aggregate: each state's lines and reasons come in the same order.
        SELECT array_agg(line_id) FILTER (WHERE status = 'paid') AS paid,
               array_agg(line_id) FILTER (WHERE status = 'failed') AS failed,
               array_agg(reason) FILTER (WHERE status = 'failed') AS failed_reasons,
               array_agg(line_id) FILTER (WHERE status = 'returned') AS returned,
               array_agg(reason) FILTER (WHERE status = 'returned') AS returned_reasons
        FROM moves
    ) AS m
    WHERE f.id = %(file)s
    RETURNING cardinality(f.paid_lines) AS paid, cardinality(f.failed_lines) AS failed,
              cardinality(f.returned_lines) AS returned
)
SELECT row, reference, verdict, coalesce(problem, ''), amount, status, sent,
       coalesce(state, states[1]), NULL
FROM judged WHERE verdict NOT IN ('change', 'unchanged')
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       ARRAY[n.unchanged, n.rows, k.paid, k.failed, k.returned]
FROM kept AS k,
     (SELECT count(*) FILTER (WHERE verdict = 'unchanged') AS unchanged, count(*) AS rows
      FROM judged) AS n
"""


def _bad_reason(
    verdict: str, problem: str, amount: Decimal, status: str, sent: Decimal | None, state: str
) -> tuple[str, dict[str, Any]]:
    """Why a row cannot apply: a msgid and its parameters (`distribution.reasons`)."""
    if verdict == "problem":
        return problem, {}
    if verdict == "twice":
        return gettext_noop("The reference appears twice in the file."), {}
    if verdict == "elsewhere":
        return gettext_noop("The reference belongs to another batch."), {}
    if verdict == "unknown":
        return gettext_noop("The reference is unknown."), {}
    if verdict == "amount":
        return reasons.AMOUNT_DIFFERS, {
            "file": reasons.amount_param(amount),
            "sent": reasons.amount_param(sent),
        }
    return reasons.CANNOT_BECOME, {"state": state, "status": status}


def return_plan(batch: Batch, content: bytes, upload: ReturnFile) -> Plan:
    """Judge the file: staged in a temporary table (`return_file.stage`), every row judged
    and the moves kept on `upload` for the apply, by one statement."""
    layout = adapter_for(batch.programme_id).settings.get("return_layout")
    target, params = _target_sql(batch)
    # Per state a row may report, the states its lines may be in (itself included).
    froms = {to: ",".join(sorted({to, *states})) for to, states in ALLOWED_FROM.items()}
    plan = Plan()
    with connection.cursor() as cursor:
        rows, row_params = return_file.stage(cursor, content, layout)
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        # Its estimates of the staged rows are guesses (a temporary table is not analysed):
        # duplicates are found by hashing the references, not by sorting them.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(
            VERDICT_SQL.format(
                rows=rows,
                target=target,
                line=Line._meta.db_table,
                file_table=ReturnFile._meta.db_table,
            ),
            {
                **params,
                **row_params,
                "to": list(froms),
                "from": list(froms.values()),
                "file": upload.pk,
            },
        )
        for (
            number,
            reference,
            verdict,
            problem,
            amount,
            status,
            sent,
            state,
            counts,
        ) in cursor.fetchall():
            if number is None:
                plan.unchanged, plan.rows, paid, failed, returned = counts
                plan.counts = {L.PAID: paid, L.FAILED: failed, L.RETURNED: returned}
                continue
            reason, reason_params = _bad_reason(verdict, problem, amount, status, sent, state)
            bad = {"row": number, "reference": reference, "reason": reason}
            if reason_params:
                bad["params"] = reason_params
            plan.bad.append(bad)
        cursor.execute("SET LOCAL work_mem TO DEFAULT")
        cursor.execute("SET LOCAL enable_sort TO DEFAULT")
        return_file.unstage(cursor)
    plan.bad.sort(key=lambda item: item["row"])
    return plan


# Applying the kept verdict: one UPDATE of the batch's lines per state the file moves them
# to, each line moving only from a state it may leave (ALLOWED_FROM: a line another file
# moved since the upload stays as it is). The outcome is stored on the line (state, the
# bank's reason, the day); which file moved it is the file's kept verdict. Paying a pending
# line changes no indexed value, so it is updated in place, and a paid line keeps its reason.
# No RETURNING: each statement's row count is the lines it moved.
APPLY_SQL = f"""
UPDATE {Line._meta.db_table} AS line
SET state = %(state)s, settled_on = %(today)s{{reason}}
FROM {ReturnFile._meta.db_table} AS f,
     unnest(f.{{state}}_lines{{reasons}}) AS m (line_id{{reason_column}})
WHERE f.id = %(file)s AND line.id = m.line_id AND line.batch_id = %(batch)s
  AND line.state = ANY (%(from)s)
"""  # noqa: S608 - table names from the models, values bound
# Moves of one state up to FEW_MOVES, or up to one in FEW_MOVES_SHARE of the file's rows,
# find each line by its key; more, by one hash join over the batch's lines (the planner
# cannot know how many moves an array holds). A key lookup costs a few times what one
# line of the batch's scan does: the 1% failed and 0.5% returned of a large file are
# found by key, not by two more scans of every line.
FEW_MOVES = 1000
FEW_MOVES_SHARE = 10


def _apply(upload: ReturnFile) -> dict[str, int]:
    """Apply the upload's kept verdict; how many lines moved to each state."""
    moved: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        for state, froms in ALLOWED_FROM.items():
            count = upload.preview.get(state, 0)
            if not count:
                continue
            few = count <= max(FEW_MOVES, upload.preview.get("rows", 0) // FEW_MOVES_SHARE)
            cursor.execute(f"SET LOCAL enable_nestloop = {'on' if few else 'off'}")
            with_reason = state != L.PAID
            cursor.execute(
                APPLY_SQL.format(
                    state=state,
                    reason=", reason = m.reason" if with_reason else "",
                    reasons=f", f.{state}_reasons" if with_reason else "",
                    reason_column=", reason" if with_reason else "",
                ),
                {
                    "state": state,
                    "from": sorted(froms),
                    "today": timezone.localdate(),
                    "file": upload.pk,
                    "batch": upload.batch_id,
                },
            )
            if cursor.rowcount:
                moved[state] = cursor.rowcount
        cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
        cursor.execute("SET LOCAL work_mem TO DEFAULT")
    return moved


def _store_content(upload: ReturnFile, content: bytes) -> None:
    """Write the file's bytes as a binary parameter: bound by Django's cursor, they would
    travel as a hex literal twice their size, for the server to parse (most of an upload's
    time for a file of 300,000 rows)."""
    # The transaction's own connection (Django's wrapper binds on the client side).
    raw = cast("psycopg.Connection[Any]", connection.connection)
    with psycopg.Cursor(raw) as cursor:
        cursor.execute(
            f"UPDATE {ReturnFile._meta.db_table} SET content = %b WHERE id = %s",  # noqa: S608
            [content, upload.pk],
        )
    upload.content = content


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
        content=b"",
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=recorded_user(actor),
    )
    _store_content(upload, content)
    upload.preview = return_plan(batch, content, upload).summary()
    ReturnFile.objects.filter(pk=upload.pk).update(preview=upload.preview)
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
    # Neither the file nor its verdict is read here: the apply's statement reads the verdict.
    upload = ReturnFile.objects.select_for_update().defer(*VERDICT_FIELDS).get(pk=return_file_id)
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
