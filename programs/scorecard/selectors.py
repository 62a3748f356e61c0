# ruff: noqa: S608 - statements are built from the measures' constants; values are bound.
"""Read queries of the scorecard, scoped once here.

Counts (the latest snapshot, trends, the ranking) are aggregates: Puskesos officers count
their own kelurahan, city-wide roles and leadership the whole city. Lists of persons and
households (the drill-down) are rows: Puskesos officers their own kelurahan, city-wide roles
any, leadership none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Max, QuerySet, Sum
from django.http import Http404
from django.urls import reverse

from depok_kds.access import aggregate_queryset, aggregate_scope_for, scope_for
from programs.scorecard.measures import (
    DETAIL_LABELS,
    MEASURES,
    MEASURES_BY_CODE,
    ROW_COLUMNS,
    Measure,
)
from programs.scorecard.models import ScorecardCount
from programs.scorecard.services import measure_params
from registry.dukcapil.models import Outcome
from registry.models import Kelurahan
from registry.nik import today_wib

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

    AnyUser = User | AnonymousUser

LIST_PAGE = 50


def _counts(user: AnyUser) -> QuerySet[ScorecardCount]:
    return aggregate_queryset(
        ScorecardCount.objects.all(), user=user, kelurahan_field="kelurahan_code"
    )


def latest_date(*, user: AnyUser) -> date | None:
    latest: date | None = _counts(user).aggregate(d=Max("on_date"))["d"]
    return latest


@dataclass(frozen=True)
class Cell:
    measure: Measure
    count: int
    base: int

    @property
    def share(self) -> float:
        return 100.0 * self.count / self.base if self.base else 0.0


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    cells: list[Cell]


def scorecard_table(*, user: AnyUser, kelurahan: str = "") -> tuple[date | None, list[Row]]:
    """The latest snapshot: one row per kelurahan the user may count (or the one asked),
    and first the total of those rows."""
    on = latest_date(user=user)
    if on is None:
        return None, []
    counts = _counts(user).filter(on_date=on)
    if kelurahan:
        counts = counts.filter(kelurahan_code=kelurahan)
    by_kel: dict[str, dict[str, tuple[int, int]]] = {}
    for code, measure, count, base in counts.values_list(
        "kelurahan_code", "measure", "count", "base"
    ):
        by_kel.setdefault(code, {})[measure] = (count, base)
    names = dict(Kelurahan.objects.filter(code__in=by_kel).values_list("code", "name"))

    def row(code: str, name: str, values: dict[str, tuple[int, int]]) -> Row:
        return Row(code, name, [Cell(m, *values.get(m.code, (0, 0))) for m in MEASURES])

    rows = [row(code, names.get(code, code), by_kel[code]) for code in sorted(by_kel)]
    total: dict[str, tuple[int, int]] = {}
    for values in by_kel.values():
        for measure, (count, base) in values.items():
            was = total.get(measure, (0, 0))
            total[measure] = (was[0] + count, was[1] + base)
    return on, [row("", "", total), *rows]


def scorecard_trend(
    *, user: AnyUser, measure: str, kelurahan: str = ""
) -> list[tuple[date, int, int]]:
    """(date, count, base) per snapshot date for one measure, for one kelurahan or all the
    user may count, oldest first."""
    if measure not in MEASURES_BY_CODE:
        raise Http404
    counts = _counts(user).filter(measure=measure)
    if kelurahan:
        counts = counts.filter(kelurahan_code=kelurahan)
    return [
        (row["on_date"], row["count"], row["base"])
        for row in counts.values("on_date")
        .annotate(count=Sum("count"), base=Sum("base"))
        .order_by("on_date")
    ]


def scorecard_ranking(*, user: AnyUser, measure: str) -> list[tuple[str, str, int, float]]:
    """Kelurahan by their share of one measure on the latest date, worst first:
    (code, name, count, share %). Aggregates only, so leadership may read it."""
    if measure not in MEASURES_BY_CODE:
        raise Http404
    on = latest_date(user=user)
    if on is None:
        return []
    rows = list(
        _counts(user)
        .filter(on_date=on, measure=measure)
        .values_list("kelurahan_code", "count", "base")
    )
    names = dict(Kelurahan.objects.values_list("code", "name"))
    ranked = [
        (code, names.get(code, code), count, round(100.0 * count / base, 2) if base else 0.0)
        for code, count, base in rows
    ]
    return sorted(ranked, key=lambda r: (-r[3], -r[2], r[1]))


@dataclass(frozen=True)
class Item:
    """One thing to fix: the person and household it is about and the page that fixes it."""

    person_id: int | None
    household_id: int | None
    ref_id: int | None
    detail: str
    person_name: str
    registry_number: str
    fix_url: str

    @property
    def detail_label(self) -> str:
        if self.detail in DETAIL_LABELS:
            return str(DETAIL_LABELS[self.detail])
        if self.detail in Outcome.values:
            return str(Outcome(self.detail).label)
        return self.detail


def fix_url(measure: Measure, *, household_id: int | None, ref_id: int | None, detail: str) -> str:
    """The page where a row of the measure is fixed."""
    by_outcome = measure.fix == "outcome" or (
        measure.fix == "outcome_or_household" and detail not in ("structure", "kept_as_typed")
    )
    if ref_id is not None and by_outcome:
        return reverse("dukcapil:outcome", args=[ref_id])
    if household_id is None:
        # A person who moved away belongs to no household: their overlap finding ends it.
        return f"{reverse('overlap:list')}?rule={detail}" if measure.fix == "enrolment" else ""
    if measure.fix == "assessment":
        return reverse("registry:assessment-new", args=[household_id])
    if measure.fix == "desil":
        return reverse("registry:household-desil", args=[household_id])
    return reverse("registry:household", args=[household_id])


def scorecard_items(
    *, user: AnyUser, measure: str, kelurahan: str, page: int = 1
) -> tuple[list[Item], bool]:
    """One page of a measure's rows in one kelurahan (which the user must see rows of), live
    from the same statement the counts come from; and whether a next page exists."""
    spec = MEASURES_BY_CODE.get(measure)
    scope = scope_for(user)
    if spec is None or not scope.rows or scope.agency_code is not None:
        raise Http404
    if scope.kelurahan_codes is not None and kelurahan not in scope.kelurahan_codes:
        raise Http404
    page = max(page, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT m.person_id, m.household_id, m.ref_id, m.detail,
                   coalesce(p.full_name, ''), coalesce(h.registry_number, '')
            FROM ({spec.sql}) AS m({", ".join(ROW_COLUMNS)})
            LEFT JOIN registry_person p ON p.id = m.person_id
            LEFT JOIN registry_household h ON h.id = m.household_id
            WHERE m.kelurahan_code = %(kelurahan)s
            ORDER BY h.registry_number, m.person_id, m.ref_id
            LIMIT %(limit)s OFFSET %(offset)s
            """,
            {
                **measure_params(today_wib()),
                "kelurahan": kelurahan,
                "limit": LIST_PAGE + 1,
                "offset": (page - 1) * LIST_PAGE,
            },
        )
        rows = cursor.fetchall()
    items = [
        Item(
            person_id=person_id,
            household_id=household_id,
            ref_id=ref_id,
            detail=detail,
            person_name=name,
            registry_number=number,
            fix_url=fix_url(spec, household_id=household_id, ref_id=ref_id, detail=detail),
        )
        for person_id, household_id, ref_id, detail, name, number in rows[:LIST_PAGE]
    ]
    return items, len(rows) > LIST_PAGE


def may_list(user: AnyUser) -> bool:
    """Whether the user may open lists of persons (not leadership, not agencies)."""
    scope = scope_for(user)
    return scope.rows and scope.agency_code is None


def countable_kelurahan(*, user: AnyUser) -> QuerySet[Kelurahan]:
    scope = aggregate_scope_for(user)
    kelurahan = Kelurahan.objects.order_by("code")
    if not scope.rows:
        return kelurahan.none()
    if scope.kelurahan_codes is not None:
        return kelurahan.filter(code__in=scope.kelurahan_codes)
    return kelurahan
