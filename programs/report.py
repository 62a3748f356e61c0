"""The "realisasi penerima manfaat" report: distinct enrolled beneficiaries per programme
per year, with the owning agency, in the shape of the city's published table. The
dashboard's recipients panel reads it too, narrowed to the reader's agency or kelurahan.

One GROUP BY over the enrolment table (its copies of year and kelurahan spare any join),
served by the index on (year, programme, person). It counts aggregates only, so leadership
may see it; kecamatan and kelurahan filter it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Min, Q

from programs.models import Enrolment, Programme

DEFAULT_YEARS = (2021, 2022, 2023)
SHOWN_YEARS = 3


def report_years(*, today: date) -> tuple[list[int], list[int]]:
    """The years a reader may choose (the first with an enrolment up to the current one)
    and the default: the last SHOWN_YEARS, the current one included."""
    first = Enrolment.objects.aggregate(first=Min("year"))["first"] or today.year
    first = min(first, today.year - SHOWN_YEARS + 1)
    years = list(range(today.year, first - 1, -1))
    return years, sorted(years[:SHOWN_YEARS])


@dataclass(frozen=True)
class ReportRow:
    programme: Programme
    counts: list[int]  # one per year, in the order of `years`

    @property
    def agency(self) -> str:
        return self.programme.agency.name


@dataclass(frozen=True)
class RecipientReport:
    years: list[int]
    rows: list[ReportRow]
    kecamatan: str = ""
    kelurahan: str = ""
    includes_demo: bool = False

    def total(self, year_index: int) -> int:
        return sum(r.counts[year_index] for r in self.rows)


def recipient_report(
    *,
    years: tuple[int, ...] | list[int] = DEFAULT_YEARS,
    kecamatan: str = "",
    kelurahan: str = "",
    agency: str = "",
    kelurahan_codes: Collection[str] | None = None,
    demo_note: bool = True,
) -> RecipientReport:
    """The report's rows, one per programme. `agency` keeps that agency's programmes only;
    `kelurahan_codes` counts the enrolments of those kelurahan only (a scoped reader's
    share). `demo_note=False` skips looking for demo enrolments, which reads every row of
    the years (no index holds `source`): the dashboard, which shows no note, passes it."""
    years = sorted(set(years))
    chosen = Programme.objects.select_related("agency").order_by("report_order", "code")
    if agency:
        chosen = chosen.filter(agency__code=agency)
    programmes = list(chosen)
    enrolments = Enrolment.objects.filter(year__in=years)
    if agency:
        # The ids themselves, not a subquery: then the scan of the (year, programme,
        # person) index stays in index order and DISTINCT streams without a sort.
        enrolments = enrolments.filter(programme_id__in=[p.pk for p in programmes])
    if kelurahan:
        enrolments = enrolments.filter(kelurahan_code=kelurahan)
    elif kecamatan:
        enrolments = enrolments.filter(kelurahan_code__startswith=f"{kecamatan}.")
    if kelurahan_codes is not None:
        enrolments = enrolments.filter(kelurahan_code__in=sorted(kelurahan_codes))
    counts: dict[tuple[int, int], int] = {}
    # An empty IN () has no SQL: no programme of the agency, or no kelurahan, counts nothing.
    if (programmes or not agency) and (kelurahan_codes is None or kelurahan_codes):
        # DISTINCT (year, programme, person) streams off the (year, programme, person)
        # index; counting its groups is several times faster than COUNT(DISTINCT ...).
        sql, params = (
            enrolments.values_list("year", "programme_id", "person_id")
            .distinct()
            .query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT programme_id, year, count(*) FROM ({sql}) d GROUP BY 1, 2",  # noqa: S608
                params,
            )
            counts = {(programme_id, year): n for programme_id, year, n in cursor.fetchall()}
    rows = [ReportRow(p, [counts.get((p.pk, y), 0) for y in years]) for p in programmes]
    includes_demo = (
        demo_note
        and Enrolment.objects.filter(Q(source=Enrolment.Source.DEMO), year__in=years).exists()
    )
    return RecipientReport(years, rows, kecamatan, kelurahan, includes_demo)
