"""File exports: the SK decree list (PDF, XLSX) and the recipients report (XLSX)."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

from depok_kds.spreadsheet import row_safe
from programs.models import Decree
from programs.report import RecipientReport
from registry.selectors import nik_display


def _decree_rows(decree: Decree, *, full_nik: bool) -> list[list[object]]:
    return [
        [
            e.position,
            e.full_name,
            nik_display(e.nik, full=full_nik),
            e.kelurahan_code,
            int(e.amount),
        ]
        for e in decree.entries.order_by("position")
    ]


def _decree_header() -> list[str]:
    return [_("No."), _("Name"), "NIK", _("Kelurahan"), _("Amount (Rp)")]


def decree_xlsx(decree: Decree, *, full_nik: bool) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "SK"
    sheet.append(
        row_safe([f"SK {decree.number}", str(decree.cycle), decree.decreed_on.isoformat()])
    )
    sheet.append(_decree_header())
    for row in _decree_rows(decree, full_nik=full_nik):
        sheet.append(row_safe(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def decree_pdf(decree: Decree, *, full_nik: bool) -> bytes:
    out = BytesIO()
    styles = getSampleStyleSheet()
    document = SimpleDocTemplate(out, pagesize=A4, title=f"SK {decree.number}")
    story = [
        Paragraph(f"SK {decree.number} — {decree.decreed_on:%d-%m-%Y}", styles["Title"]),
        Paragraph(str(decree.cycle), styles["Normal"]),
        Table([_decree_header(), *_decree_rows(decree, full_nik=full_nik)], repeatRows=1),
    ]
    document.build(story)
    return out.getvalue()


def report_xlsx(report: RecipientReport) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Realisasi"
    sheet.append([_("Programme"), *report.years, _("Agency")])
    for row in report.rows:
        sheet.append(row_safe([row.programme.name, *row.counts, row.agency]))
    out = BytesIO()
    book.save(out)
    return out.getvalue()
