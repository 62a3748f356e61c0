"""Budget versus realisation: what was planned and actually paid, per programme and year,
tahap, kecamatan or kelurahan. Counted over the lines a user may count (leadership: the
whole city), as one GROUP BY."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.db.models import Count, F, Q, Sum
from openpyxl import Workbook

from depok_kds.access import aggregate_queryset
from depok_kds.audit import Actor
from distribution.models import LIVE_LINE_STATES, Line, LineState
from programs.models import Cycle

GROUPS: dict[str, str | None] = {
    "programme": None,
    "tahap": "batch__tahap",
    "kecamatan": "kelurahan_code",
    "kelurahan": "kelurahan_code",
}


@dataclass(frozen=True)
class RealisationRow:
    programme: str
    group: str
    budget: int | None  # per programme and year only
    planned: int
    paid: int
    paid_lines: int

    @property
    def percent(self) -> int:
        base = self.budget if self.budget else self.planned
        return round(self.paid * 100 / base) if base else 0


def realisation(*, user: Actor, year: int, group: str = "programme") -> list[RealisationRow]:
    if user is None or group not in GROUPS:
        return []
    lines = aggregate_queryset(
        Line.objects.filter(batch__cycle__year=year),
        user=user,
        kelurahan_field="kelurahan_code",
        agency_field="batch__programme__agency__code",
    ).annotate(programme_name=F("batch__programme__name"))
    key = GROUPS[group]
    # A kecamatan is summed from its kelurahan (its code is the kelurahan code's first 8).
    key = "kelurahan_code" if group == "kecamatan" else key
    fields = ["batch__programme_id", "programme_name"] + ([key] if key else [])
    rows = (
        lines.values(*fields)
        .annotate(
            planned=Sum("amount", filter=Q(state__in=LIVE_LINE_STATES)),
            paid=Sum("amount", filter=Q(state=LineState.PAID)),
            paid_lines=Count("pk", filter=Q(state=LineState.PAID)),
        )
        .order_by("programme_name", *fields[2:])
    )
    budgets: dict[int, Decimal] = {}
    for programme_id, budget in Cycle.objects.filter(year=year).values_list(
        "programme_id", "budget"
    ):
        budgets[programme_id] = budgets.get(programme_id, Decimal(0)) + budget
    merged: dict[tuple[str, str], list[int]] = {}
    order: list[tuple[str, str, int]] = []
    for row in rows:
        label = str(row[fields[2]]) if len(fields) > 2 else ""
        if group == "kecamatan":
            label = label[:8]
        if (row["programme_name"], label) not in merged:
            merged[(row["programme_name"], label)] = [0, 0, 0]
            order.append((row["programme_name"], label, row["batch__programme_id"]))
        totals = merged[(row["programme_name"], label)]
        totals[0] += int(row["planned"] or 0)
        totals[1] += int(row["paid"] or 0)
        totals[2] += row["paid_lines"]
    return [
        RealisationRow(
            programme=name,
            group=label,
            budget=int(budgets.get(programme_id, 0)) if group == "programme" else None,
            planned=merged[(name, label)][0],
            paid=merged[(name, label)][1],
            paid_lines=merged[(name, label)][2],
        )
        for name, label, programme_id in order
    ]


def realisation_xlsx(rows: list[RealisationRow], *, year: int, group: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"Realisasi {year}"
    sheet.append(["Program", group, "Anggaran (Rp)", "Rencana (Rp)", "Realisasi (Rp)", "Baris"])
    for row in rows:
        sheet.append([row.programme, row.group, row.budget, row.planned, row.paid, row.paid_lines])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
