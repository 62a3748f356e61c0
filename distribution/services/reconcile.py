"""Reconciliation: the bank's return file, previewed before anything changes, then applied.

Each row is matched by reference (a line's, or a school transfer's covering its lines),
its amount compared, and the line set paid, failed (with the bank's reason) or returned.
The preview lists, with row number and reason, what will change and what cannot: unknown
references, duplicates, amount mismatches, rows for another batch, undecodable rows and
transitions a line cannot make. Applying is idempotent: a row whose line already holds
its state changes nothing, so the same file twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import Actor, audit_record, recorded_user
from depok_kds.errors import Conflict
from distribution import return_file
from distribution.channels import adapter_for
from distribution.channels.school_transfer import SchoolTransfer
from distribution.models import (
    Batch,
    BatchState,
    Channel,
    Line,
    LineEvent,
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
    """What applying a return file would do now."""

    changes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    reasons: dict[int, str] = field(default_factory=dict)
    unchanged: int = 0
    bad: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "paid": len(self.changes.get(L.PAID, [])),
            "failed": len(self.changes.get(L.FAILED, [])),
            "returned": len(self.changes.get(L.RETURNED, [])),
            "unchanged": self.unchanged,
            "bad": self.bad[:1000],
            "bad_count": len(self.bad),
        }


def _targets(batch: Batch) -> dict[str, tuple[list[int], Decimal, list[str]]]:
    """reference -> (line ids, amount, line states) for every line or transfer of the batch."""
    rows = list(
        Line.objects.filter(batch=batch)
        .exclude(state=L.CANCELLED)
        .values_list("reference", "pk", "amount", "state", "payee_id")
    )
    if batch.channel == Channel.SCHOOL_TRANSFER:
        grouped: dict[str, tuple[list[int], Decimal, list[str]]] = {}
        for _reference, pk, amount, state, payee_id in rows:
            key = f"SCH{batch.pk:06d}{payee_id:07d}"
            ids, total, states = grouped.get(key, ([], Decimal(0), []))
            grouped[key] = ([*ids, pk], total + amount, [*states, state])
        return grouped
    return {reference: ([pk], amount, [state]) for reference, pk, amount, state, _p in rows}


def return_plan(batch: Batch, content: bytes) -> Plan:
    layout = adapter_for(batch.programme_id).settings.get("return_layout")
    good, bad = return_file.parse(content, layout)
    plan = Plan(rows=len(good) + len(bad))
    plan.bad = [{"row": b.row, "reference": b.reference, "reason": b.reason} for b in bad]
    targets = _targets(batch)
    unknown = {row.reference for row in good if row.reference not in targets}
    elsewhere = (
        set(Line.objects.filter(reference__in=unknown).values_list("reference", flat=True))
        if unknown
        else set()
    )
    seen: set[str] = set()
    for row in good:

        def refuse(reason: str, row: return_file.ReturnRow = row) -> None:
            plan.bad.append({"row": row.row, "reference": row.reference, "reason": reason})

        if row.reference in seen:
            refuse("The reference appears twice in the file.")
            continue
        seen.add(row.reference)
        if row.reference not in targets:
            refuse(
                "The reference belongs to another batch."
                if row.reference in elsewhere
                else "The reference is unknown."
            )
            continue
        ids, amount, states = targets[row.reference]
        if row.amount != amount:
            refuse(f"The amount differs: Rp{int(row.amount)} in the file, Rp{int(amount)} sent.")
            continue
        if all(state == row.status for state in states):
            plan.unchanged += 1
            continue
        if any(state not in ALLOWED_FROM[row.status] for state in states if state != row.status):
            refuse(f"A {states[0]} line cannot become {row.status}.")
            continue
        for pk, state in zip(ids, states, strict=True):
            if state != row.status:
                plan.changes[row.status].append(pk)
                plan.reasons[pk] = row.reason
    plan.bad.sort(key=lambda item: item["row"])
    return plan


APPLY_SQL = f"""
WITH changed AS (
    UPDATE {Line._meta.db_table} AS line
    SET state = plan.to_state,
        reason = CASE WHEN plan.to_state = 'paid' THEN line.reason ELSE plan.reason END,
        settled_on = %(today)s
    FROM distribution_plan AS plan
    JOIN {Line._meta.db_table} AS old ON old.id = plan.line_id
    WHERE line.id = plan.line_id
      AND ((plan.to_state IN ('paid', 'failed') AND old.state = 'pending')
           OR (plan.to_state = 'returned' AND old.state IN ('pending', 'paid')))
    RETURNING line.id, old.state AS from_state, plan.to_state, plan.reason
)
INSERT INTO {LineEvent._meta.db_table}
    (line_id, actor_id, created_at, from_state, to_state, reason, return_file_id)
SELECT id, %(actor)s, %(now)s, from_state, to_state, reason, %(file)s FROM changed
"""  # noqa: S608 - table names from the models, values bound


def _apply(plan: Plan, *, upload: ReturnFile, actor: Actor) -> int:
    """Apply the plan in one statement over a temporary table: each line moves only from a
    state it may leave, and each move leaves its event row."""
    user = recorded_user(actor)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE distribution_plan"
            " (line_id bigint PRIMARY KEY, to_state varchar(10), reason varchar(200))"
            " ON COMMIT DROP"
        )
        with cursor.copy("COPY distribution_plan (line_id, to_state, reason) FROM STDIN") as copy:
            for to_state, ids in plan.changes.items():
                for pk in ids:
                    copy.write_row((pk, to_state, plan.reasons.get(pk, "")))
        cursor.execute("ANALYZE distribution_plan")  # a temporary table has no statistics
        cursor.execute(
            APPLY_SQL,
            {
                "today": timezone.localdate(),
                "now": timezone.now(),
                "actor": user.pk if user is not None else None,
                "file": upload.pk,
            },
        )
        changed: int = cursor.rowcount
        cursor.execute("DROP TABLE distribution_plan")
    return changed


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
        preview=return_plan(batch, content).summary(),
    )
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
    plan = return_plan(batch, bytes(upload.content))
    changed = _apply(plan, upload=upload, actor=actor)
    upload.applied_at = timezone.now()
    upload.lines_changed = changed
    upload.preview = {**plan.summary(), "applied": True}
    upload.save(update_fields=["applied_at", "lines_changed", "preview", "updated_at"])
    audit_record(
        actor=actor,
        action="distribution.return_file_apply",
        target=upload,
        after={"changed": changed, "bad": len(plan.bad)},
    )
    if batch.state == BatchState.SENT and not batch.lines.filter(state=L.PENDING).exists():
        batch_settle(actor=None, batch_id=batch.pk)
    return upload


__all__ = ["SchoolTransfer", "return_file_apply", "return_file_upload", "return_plan"]
