"""The "realisasi penerima manfaat" report: distinct enrolled beneficiaries per programme
per year, with the owning agency, in the shape of the city's published table.

One GROUP BY over the enrolment table (its copies of year and kelurahan spare any join),
served by the index on (year, programme, person). It counts aggregates only, so leadership
may see it; kecamatan and kelurahan filter it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from programs.models import Enrolment, Programme

DEFAULT_YEARS = (2021, 2022, 2023)


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
    *, years: tuple[int, ...] | list[int] = DEFAULT_YEARS, kecamatan: str = "", kelurahan: str = ""
) -> RecipientReport:
    years = sorted(set(years))
    enrolments = Enrolment.objects.filter(year__in=years)
    if kelurahan:
        enrolments = enrolments.filter(kelurahan_code=kelurahan)
    elif kecamatan:
        enrolments = enrolments.filter(kelurahan_code__startswith=f"{kecamatan}.")
    # DISTINCT (year, programme, person) streams off the (year, programme, person) index;
    # counting its groups is several times faster than COUNT(DISTINCT ...) per group.
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
    programmes = Programme.objects.select_related("agency").order_by("report_order", "code")
    rows = [ReportRow(p, [counts.get((p.pk, y), 0) for y in years]) for p in programmes]
    includes_demo = Enrolment.objects.filter(
        Q(source=Enrolment.Source.DEMO), year__in=years
    ).exists()
    return RecipientReport(years, rows, kecamatan, kelurahan, includes_demo)
