"""Building a batch: one line per active enrolment of the cycle due in the batch's period.

Runs as a job (`distribution.build`) in chunks of enrolments ordered by id; each chunk is
one transaction that writes its lines, its refusals and the checkpoint (the last id done),
so a re-run after a killed worker resumes where it stopped. Every check is set-based over
the chunk; a channel whose lines follow from the enrolments alone (`SetBased`: the BPJS
premium) is judged and written by SQL statements (INSERT ... SELECT), the others are
planned per line in Python by their adapter and written with COPY. The refusals are
stored per enrolment with their reason:

- exited or deceased beneficiary (checked again when the batch is sent);
- a live line already held for the same enrolment, component and overlapping period (the
  database constraint `line_never_paid_twice` is the guarantee; this is the list);
- an amount outside the programme's range;
- the cycle's budget passed (a cycle with no budget set pays nothing: fail closed);
- a payee account missing or malformed, and the channel's own refusals (cap, not due).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import Actor, audit_record
from depok_kds.errors import Conflict
from depok_kds.jobs import Progress, job_start
from depok_kds.models import Job
from distribution import reasons
from distribution.channels import Due, Refused, SetBased, adapter_for
from distribution.models import (
    LIVE_LINE_STATES,
    Batch,
    BatchState,
    Component,
    Line,
    LineState,
    Refusal,
)
from distribution.services.access import programme_check
from programs.models import Enrolment, Programme
from registry.models import Person

KIND = "distribution.build"
CHUNK = 5000
# A set-based chunk costs a few statements whatever its size: larger, for fewer of them.
SQL_CHUNK = 50_000


@transaction.atomic
def batch_build_start(*, actor: Actor, batch_id: int) -> Job:
    """Queue the build of a draft batch (a re-build replaces its built lines)."""
    batch = (
        Batch.objects.select_for_update(of=("self",))
        .select_related("programme__agency")
        .get(pk=batch_id)
    )
    programme_check(actor, batch.programme, "distribution.prepare_batch")
    if batch.state != BatchState.DRAFT:
        raise Conflict(_("Only a draft batch can be built."), code="wrong_state")
    user = actor if actor is not None and actor.is_authenticated else None
    job = job_start(kind=KIND, requested_by=user, params={"batch_id": batch.pk})
    batch.build_job = job
    batch.save(update_fields=["build_job", "updated_at"])
    return job


def batch_build(
    *, batch_id: int, progress: Progress | None = None, chunk: int | None = None
) -> dict[str, Any]:
    """Build (or resume building) the batch; returns the counts of lines and refusals."""
    batch = Batch.objects.select_related("programme", "cycle").get(pk=batch_id)
    if batch.state != BatchState.DRAFT:
        raise Conflict(_("Only a draft batch can be built."), code="wrong_state")
    adapter = adapter_for(batch.programme_id)
    state = progress.state if progress is not None else {}
    after = int(state.get("after", 0))
    enrolments = Enrolment.objects.filter(programme_id=batch.programme_id, cycle_id=batch.cycle_id)
    if not after:
        with transaction.atomic():
            # A re-build starts over; lines re-issued into this batch by hand stay.
            Line.objects.filter(batch=batch, reissue_of__isnull=True).delete()
            Refusal.objects.filter(batch=batch).delete()
    if progress is not None:
        progress.set_total(enrolments.count())
    done = int(state.get("done", 0))
    if "spent" in state:
        running = {"spent": Decimal(state["spent"]), "sequence": int(state["sequence"])}
    else:
        # What the cycle's live lines already take, and the references used in this batch.
        spent = Line.objects.filter(
            batch__cycle_id=batch.cycle_id, state__in=LIVE_LINE_STATES
        ).aggregate(total=Sum("amount"))["total"]
        running = {"spent": spent or Decimal(0), "sequence": batch.lines.count()}
    set_based = adapter.set_based(batch)
    chunk = chunk or (CHUNK if set_based is None else SQL_CHUNK)
    while True:
        rows: Sequence[Mapping[str, Any]] = []
        if set_based is None:
            rows = list(
                enrolments.filter(pk__gt=after)
                .order_by("pk")
                .values(
                    "pk", "person_id", "household_id", "kelurahan_code", "amount", "status",
                    "starts_on", "application_id", "person__is_deceased", "person__full_name",
                )[:chunk]
            )  # fmt: skip
            if not rows:
                break
        with transaction.atomic():
            if set_based is not None:
                count, last = _build_chunk_sql(batch, adapter, set_based, after, chunk, running)
                if not count:
                    break
            else:
                _build_chunk(batch, adapter, rows, running)
                count, last = len(rows), rows[-1]["pk"]
            after = last
            done += count
            if progress is not None:
                checkpoint = {
                    "after": after,
                    "done": done,
                    "spent": str(running["spent"]),
                    "sequence": running["sequence"],
                }
                progress.advance(done, state=checkpoint)
    Batch.objects.filter(pk=batch.pk).update(built_at=timezone.now())
    counts = {
        "lines": batch.lines.filter(state=LineState.PENDING).count(),
        "refused": batch.refusals.count(),
    }
    audit_record(actor=None, action="distribution.batch_build", target=batch, after=counts)
    return counts


def _build_chunk(
    batch: Batch, adapter: Any, rows: Sequence[Mapping[str, Any]], running: dict[str, Any]
) -> None:
    start, end = adapter.line_period(batch)
    period = DateRange(start, end, "[]")
    # COPY reads the range from its text form: adapting a range object per row costs more.
    period_text = f"[{start.isoformat()},{end.isoformat()}]"
    programme = batch.programme
    ids = [row["pk"] for row in rows]
    # A range over the chunk's ordered ids, not an IN list: one scan of the gist index
    # (filtered on `live`, its predicate, so that the index can be used).
    held: set[tuple[int, str]] = set(
        Line.objects.filter(
            enrolment_id__gte=ids[0],
            enrolment_id__lte=ids[-1],
            live=True,
            period__overlap=period,
        ).values_list("enrolment_id", "component")
    )
    # The budget: what the cycle's live lines took when the build started, plus this
    # batch's earlier chunks (kept running, not summed again over a growing table).
    spent: Decimal = running["spent"]
    budget = batch.cycle.budget
    refusals: list[Refusal] = []
    dues: list[Due] = []

    def refuse(
        enrolment_id: int, reason: str, detail: str = "", params: dict[str, Any] | None = None
    ) -> None:
        refusals.append(
            Refusal(
                batch=batch,
                enrolment_id=enrolment_id,
                reason=reason,
                detail=detail[:200],
                params=params or {},
            )
        )

    for row in rows:
        if row["status"] != Enrolment.Status.ACTIVE or row["person__is_deceased"]:
            refuse(row["pk"], Refusal.Reason.EXITED)
        elif row["starts_on"] is not None and row["starts_on"] > batch.period_end:
            refuse(
                row["pk"],
                Refusal.Reason.NOT_DUE,
                reasons.STARTS,
                {"date": reasons.date_param(row["starts_on"])},
            )
        else:
            dues.append(
                Due(
                    enrolment_id=row["pk"],
                    person_id=row["person_id"],
                    household_id=row["household_id"],
                    kelurahan_code=row["kelurahan_code"],
                    amount=row["amount"],
                    full_name=row["person__full_name"],
                    application_id=row["application_id"],
                    starts_on=row["starts_on"],
                )
            )
    loaded = adapter.load(batch, dues)
    sequence: int = running["sequence"]
    lines: list[tuple[Any, ...]] = []
    for due in dues:
        planned = adapter.plan(due, loaded, batch)
        if isinstance(planned, Refused):
            refuse(due.enrolment_id, planned.reason, planned.detail, planned.params)
            continue
        planned = [p for p in planned if (due.enrolment_id, p.component) not in held]
        if not planned:
            refuse(due.enrolment_id, Refusal.Reason.ALREADY_PAID)
            continue
        total = sum((p.amount for p in planned), Decimal(0))
        if not programme.amount_min <= total <= programme.amount_max:
            refuse(due.enrolment_id, Refusal.Reason.AMOUNT, *_amount_detail(total, programme))
            continue
        if budget <= 0 or spent + total > budget:
            refuse(due.enrolment_id, Refusal.Reason.BUDGET, *_budget_detail(budget))
            continue
        spent += total
        for p in planned:
            sequence += 1
            # Rows in COPY_COLUMNS order: model instances cost more than the rest together.
            lines.append(
                (
                    batch.pk, due.enrolment_id, due.person_id, due.household_id,
                    due.kelurahan_code, p.component, period_text, p.amount,
                    p.payee.pk if p.payee else None, p.outlet_id,
                    p.payee.account_number if p.payee else "",
                    (p.payee.account_name or p.payee.name) if p.payee else "",
                    p.warning, f"KDS{batch.pk:06d}{sequence:07d}", LineState.PENDING, "",
                )
            )  # fmt: skip
    _copy_lines(lines)
    Refusal.objects.bulk_create(refusals, batch_size=2000)
    running["spent"], running["sequence"] = spent, sequence


# One chunk of a set-based channel, judged by one statement into a temporary table: per
# enrolment its refusal (the same checks, in the same order, as `_build_chunk`) or none,
# and its place among the due ones (`n`), which the budget cuts.
JUDGE_SQL = """
CREATE TEMPORARY TABLE distribution_build AS
WITH chunk AS (
    SELECT e.id, e.person_id, e.household_id, e.kelurahan_code, e.status, e.starts_on,
           p.is_deceased
    FROM {enrolment} AS e JOIN {person} AS p ON p.id = e.person_id
    WHERE e.programme_id = %(programme)s AND e.cycle_id = %(cycle)s AND e.id > %(after)s
    ORDER BY e.id LIMIT %(chunk)s
),
held AS (
    -- A range over the chunk's ids, not a probe per enrolment: one scan of the gist index.
    SELECT DISTINCT enrolment_id FROM {line}
    WHERE enrolment_id BETWEEN (SELECT min(id) FROM chunk) AND (SELECT max(id) FROM chunk)
      AND component = %(component)s AND live AND period && %(period)s::daterange
),
judged AS (
    SELECT c.*,
           CASE
               WHEN c.status <> %(active)s OR c.is_deceased THEN 'exited'
               WHEN c.starts_on > %(period_end)s OR c.starts_on > %(covered_from)s
                   THEN 'not_due'
               WHEN h.enrolment_id IS NOT NULL THEN 'already_paid'
               WHEN %(amount_refused)s THEN 'amount'
           END AS refusal,
           CASE
               WHEN c.starts_on > %(period_end)s THEN %(starts)s
               WHEN c.starts_on > %(covered_from)s THEN %(label)s
               ELSE ''
           END AS detail,
           CASE
               WHEN c.starts_on > %(period_end)s OR c.starts_on > %(covered_from)s
                   THEN jsonb_build_object('date', c.starts_on::text)
               ELSE '{{}}'::jsonb
           END AS params
    FROM chunk AS c LEFT JOIN held AS h ON h.enrolment_id = c.id
)
SELECT *, row_number() OVER (PARTITION BY refusal IS NULL ORDER BY id) AS n FROM judged
"""

# The due enrolments the budget still covers become lines, numbered on from `sequence`.
LINES_SQL = """
INSERT INTO {line} ({columns})
SELECT %(batch)s, id, person_id, household_id, kelurahan_code, %(component)s, %(period)s,
       %(amount)s, NULL, NULL, '', '', '',
       %(prefix)s || CASE WHEN %(sequence)s + n < 10000000
                          THEN lpad((%(sequence)s + n)::text, 7, '0')
                          ELSE (%(sequence)s + n)::text END,
       %(pending)s, ''
FROM distribution_build WHERE refusal IS NULL AND n <= %(room)s
"""

REFUSALS_SQL = """
INSERT INTO {refusal} (batch_id, enrolment_id, reason, detail, params)
SELECT %(batch)s, id, coalesce(refusal, %(budget)s),
       CASE WHEN refusal IS NULL THEN %(budget_detail)s
            WHEN refusal = 'amount' THEN %(amount_detail)s
            ELSE detail END,
       CASE WHEN refusal IS NULL THEN %(budget_params)s::jsonb
            WHEN refusal = 'amount' THEN %(amount_params)s::jsonb
            ELSE params END
FROM distribution_build WHERE refusal IS NOT NULL OR n > %(room)s
"""


def _build_chunk_sql(
    batch: Batch,
    adapter: Any,
    set_based: SetBased,
    after: int,
    chunk: int,
    running: dict[str, Any],
) -> tuple[int, int]:
    """Judge and write the next chunk of enrolments after `after` in SQL; returns how many
    enrolments it judged and the last one's id."""
    start, end = adapter.line_period(batch)
    programme = batch.programme
    amount = set_based.amount
    budget = batch.cycle.budget
    spent: Decimal = running["spent"]
    params: dict[str, Any] = {
        "programme": batch.programme_id,
        "cycle": batch.cycle_id,
        "after": after,
        "chunk": chunk,
        "component": Component.BENEFIT,
        "period": f"[{start.isoformat()},{end.isoformat()}]",
        "period_end": batch.period_end,
        "covered_from": set_based.covered_from,
        "label": set_based.label,
        "starts": reasons.STARTS,
        "active": Enrolment.Status.ACTIVE,
        "amount_refused": not programme.amount_min <= amount <= programme.amount_max,
    }
    tables = {
        "enrolment": Enrolment._meta.db_table,
        "person": Person._meta.db_table,
        "line": Line._meta.db_table,
        "refusal": Refusal._meta.db_table,
        "columns": ", ".join(COPY_COLUMNS),
    }
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS distribution_build")
        cursor.execute(JUDGE_SQL.format(**tables), params)
        cursor.execute(
            "SELECT count(*), max(id), count(*) FILTER (WHERE refusal IS NULL)"
            " FROM distribution_build"
        )
        count, last, due = cursor.fetchone()
        # As many due enrolments as the budget still covers, in id order (none without one).
        if budget <= 0:
            room = 0
        elif amount <= 0:
            room = due
        else:
            room = max(0, min(due, int((budget - spent) // amount)))
        budget_detail = _budget_detail(budget)
        amount_detail = _amount_detail(amount, programme)
        params = {
            **params,
            "batch": batch.pk,
            "amount": amount,
            "prefix": f"KDS{batch.pk:06d}",
            "sequence": running["sequence"],
            "pending": LineState.PENDING,
            "room": room,
            "budget": Refusal.Reason.BUDGET,
            "budget_detail": budget_detail[0],
            "budget_params": json.dumps(budget_detail[1]),
            "amount_detail": amount_detail[0],
            "amount_params": json.dumps(amount_detail[1]),
        }
        cursor.execute(LINES_SQL.format(**tables), params)
        cursor.execute(REFUSALS_SQL.format(**tables), params)
        cursor.execute("DROP TABLE distribution_build")
    running["spent"] = spent + amount * room
    running["sequence"] += room
    return count, last or after


COPY_COLUMNS = (
    "batch_id", "enrolment_id", "person_id", "household_id", "kelurahan_code", "component",
    "period", "amount", "payee_id", "outlet_id", "account_number", "account_name", "warning",
    "reference", "state", "reason",
)  # fmt: skip


def _copy_lines(lines: list[tuple[Any, ...]]) -> None:
    """Write the lines with COPY: the constraints (never paid twice) hold as for INSERT."""
    if not lines:
        return
    table = Line._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy,
    ):
        for line in lines:
            copy.write_row(line)


def refusal_counts(batch: Batch) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for reason in batch.refusals.values_list("reason", flat=True):
        counts[reason] += 1
    return dict(counts)


def _amount_detail(amount: Decimal, programme: Programme) -> tuple[str, dict[str, Any]]:
    """A refusal's detail for an amount outside the programme's range."""
    return reasons.AMOUNT_OUTSIDE, {
        "amount": reasons.amount_param(amount),
        "low": reasons.amount_param(programme.amount_min),
        "high": reasons.amount_param(programme.amount_max),
    }


def _budget_detail(budget: Decimal) -> tuple[str, dict[str, Any]]:
    """A refusal's detail for a line the cycle's budget has no room for."""
    if budget <= 0:
        return reasons.NO_BUDGET, {}
    return reasons.BUDGET, {"budget": reasons.amount_param(budget)}
