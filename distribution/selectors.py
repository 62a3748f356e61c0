"""Reads of distribution, scoped once here.

Batches are scoped by their programme's agency; lines by agency and kelurahan, so a
Puskesos officer sees the lines (hand-overs) of their kelurahan and an agency officer
those of their programmes. Totals are aggregates: leadership counts the whole city.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Count, Model, Q, QuerySet, Sum
from django.http import Http404

from depok_kds.access import aggregate_queryset, scope_for, scope_queryset
from depok_kds.audit import Actor
from distribution.models import Batch, BatchState, Line, LineState

BATCH_AGENCY = "programme__agency__code"
LINE_AGENCY = "batch__programme__agency__code"
M = TypeVar("M", bound=Model)


def batch_list(*, user: Actor, programme_id: int | None = None) -> QuerySet[Batch]:
    """Batches the user may see. A Puskesos officer sees the batches with a line in their
    kelurahan (the hand-over lists they work from)."""
    if user is None:
        return Batch.objects.none()
    batches = Batch.objects.select_related("programme", "cycle")
    scope = scope_for(user)
    if scope.rows and scope.kelurahan_codes is not None and scope.agency_code is None:
        visible = line_list(user=user).values("batch_id")
        batches = batches.filter(pk__in=visible)
    else:
        batches = scope_queryset(batches, user=user, agency_field=BATCH_AGENCY)
        if scope.kelurahan_codes is not None:
            batches = batches.none()
    if programme_id is not None:
        batches = batches.filter(programme_id=programme_id)
    return batches


def batches_awaiting_approval(*, user: Actor) -> QuerySet[Batch]:
    """Built drafts the user may approve: within their scope, prepared by someone else."""
    if user is None or not user.has_perm("distribution.approve_batch"):
        return Batch.objects.none()
    return (
        batch_list(user=user)
        .filter(state=BatchState.DRAFT, built_at__isnull=False)
        .exclude(prepared_by_id=user.pk)
        .order_by("planned_on", "pk")
    )


def batch_get(*, user: Actor, batch_id: int) -> Batch:
    """One batch the user may see, or Http404 (the same answer as a missing one)."""
    return _one(batch_list(user=user), batch_id)


def _one(rows: QuerySet[M], pk: int) -> M:
    found = rows.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def line_list(*, user: Actor, batch: Batch | None = None) -> QuerySet[Line]:
    if user is None:
        return Line.objects.none()
    lines = scope_queryset(
        Line.objects.select_related("person", "batch__programme", "payee", "outlet"),
        user=user,
        kelurahan_field="kelurahan_code",
        agency_field=LINE_AGENCY,
    )
    return lines.filter(batch=batch) if batch is not None else lines


def line_get(*, user: Actor, line_id: int) -> Line:
    return _one(line_list(user=user), line_id)


def household_lines(*, user: Actor, household_id: int) -> QuerySet[Line]:
    """The payments and hand-overs of a household's members, newest first."""
    return (
        line_list(user=user)
        .filter(Q(household_id=household_id) | Q(person__household_id=household_id))
        .order_by("-batch__planned_on", "pk")
    )


def batch_totals(batch: Batch) -> dict[str, dict[str, int]]:
    """Planned, sent, paid, failed, returned and outstanding, in lines and in Rp."""
    lines = Line.objects.filter(batch=batch)
    return totals_of(lines, sent=batch.state not in (BatchState.DRAFT, BatchState.APPROVED))


def totals_of(lines: QuerySet[Line], *, sent: bool = True) -> dict[str, dict[str, int]]:
    live = ~Q(state=LineState.CANCELLED)
    buckets = {
        "planned": live,
        "paid": Q(state=LineState.PAID),
        "failed": Q(state=LineState.FAILED),
        "returned": Q(state=LineState.RETURNED),
        "cancelled": Q(state=LineState.CANCELLED),
        "outstanding": Q(state=LineState.PENDING),
    }
    aggregates: dict[str, Any] = {}
    for name, condition in buckets.items():
        aggregates[f"{name}_lines"] = Count("pk", filter=condition)
        aggregates[f"{name}_amount"] = Sum("amount", filter=condition)
    row = lines.aggregate(**aggregates)
    totals = {
        name: {"lines": row[f"{name}_lines"] or 0, "amount": int(row[f"{name}_amount"] or 0)}
        for name in buckets
    }
    totals["sent"] = totals["planned"] if sent else {"lines": 0, "amount": 0}
    if not sent:
        totals["outstanding"] = {"lines": 0, "amount": 0}
    return totals


def totals_for(*, user: Actor, **filters: Any) -> dict[str, dict[str, int]]:
    """Totals over the lines a user may count (leadership: the whole city)."""
    if user is None:
        return totals_of(Line.objects.none())
    lines = aggregate_queryset(
        Line.objects.filter(**filters),
        user=user,
        kelurahan_field="kelurahan_code",
        agency_field=LINE_AGENCY,
    )
    return totals_of(lines)
