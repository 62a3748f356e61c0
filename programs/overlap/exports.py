"""XLSX exports: the targeting report and the household benefit ledger."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from depok_kds.spreadsheet import row_safe
from programs.overlap.selectors import LedgerRow, TargetingReport

__all__ = ["LedgerRow", "ledger_xlsx", "targeting_xlsx"]


def targeting_xlsx(report: TargetingReport) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Inklusi"
    sheet.append([_("Programme"), _("Inclusion errors")])
    for name, count in report.by_programme:
        sheet.append(row_safe([name, count]))
    area = book.create_sheet("Wilayah")
    area.append([_("Area"), _("Inclusion errors"), _("Exclusion errors")])
    for row in report.by_area:
        area.append(row_safe(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def ledger_xlsx(rows: list[LedgerRow]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Buku besar")
    sheet.append(
        [_("Household"), _("Year"), _("Agency"), _("Programme"), _("Enrolments"), _("Amount (Rp)")]
    )
    for r in rows:
        sheet.append(
            row_safe([r.household_id, r.year, r.agency, r.programme, r.enrolments, int(r.amount)])
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
