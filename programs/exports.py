"""File exports: the SK decree list (PDF, XLSX) and the recipients report (XLSX)."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.platypus import (
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from depok_kds.formatting import long_date, rupiah
from depok_kds.spreadsheet import row_safe
from programs.models import Decree
from programs.report import RecipientReport
from registry.models import Kelurahan
from registry.selectors import nik_display


def _decree_rows(decree: Decree, *, full_nik: bool) -> list[list[object]]:
    names = dict(Kelurahan.objects.values_list("code", "name"))
    return [
        [
            e.position,
            e.full_name,
            nik_display(e.nik, full=full_nik),
            names.get(e.kelurahan_code, e.kelurahan_code),
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
    sheet.append(row_safe([f"SK {decree.number}", str(decree.cycle), long_date(decree.decreed_on)]))
    sheet.append(_decree_header())
    rows = _decree_rows(decree, full_nik=full_nik)
    for row in rows:
        sheet.append(row_safe(row))
    sheet.append(["", _("Total"), "", "", sum(int(str(r[4])) for r in rows)])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def decree_pdf(decree: Decree, *, full_nik: bool) -> bytes:
    """The decree's attachment as a decree reads: the city's letterhead, its number and
    date, the list with totals, and the signature block of the Wali Kota."""
    out = BytesIO()
    styles = getSampleStyleSheet()
    centred = ParagraphStyle("centred", parent=styles["Normal"], alignment=TA_CENTER)
    heading = ParagraphStyle("heading", parent=styles["Heading2"], alignment=TA_CENTER)
    document = SimpleDocTemplate(
        out, pagesize=A4, title=f"SK {decree.number}", leftMargin=36, rightMargin=36
    )
    rows = _decree_rows(decree, full_nik=full_nik)
    total_amount = sum(int(str(r[4])) for r in rows)
    table = Table(
        [
            _decree_header(),
            *[[*r[:4], rupiah(int(str(r[4])))] for r in rows],
            ["", _("Total"), "", "", rupiah(total_amount)],
        ],
        repeatRows=1,
        colWidths=[30, 170, 120, 110, 90],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("ALIGN", (4, 0), (4, -1), "RIGHT"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
            ]
        )
    )
    story = [
        Paragraph(_("GOVERNMENT OF KOTA DEPOK"), heading),
        Paragraph(_("Jl. Margonda Raya No. 54, Depok, Jawa Barat"), centred),
        HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=4, spaceAfter=8),
        Paragraph(_("ATTACHMENT TO THE DECREE OF THE MAYOR OF DEPOK"), heading),
        Paragraph(
            _("Number %(number)s, dated %(date)s")
            % {"number": decree.number, "date": long_date(decree.decreed_on)},
            centred,
        ),
        Paragraph(_("List of beneficiaries of %(cycle)s") % {"cycle": decree.cycle}, centred),
        Spacer(1, 10),
        table,
        Spacer(1, 6),
        Paragraph(
            _("%(count)s beneficiaries, in all %(total)s.")
            % {"count": len(rows), "total": rupiah(total_amount)},
            styles["Normal"],
        ),
        Spacer(1, 24),
        Paragraph(
            _("Decreed in Depok on %(date)s") % {"date": long_date(decree.decreed_on)},
            styles["Normal"],
        ),
        Paragraph(_("MAYOR OF DEPOK,"), styles["Normal"]),
        Spacer(1, 48),
        Paragraph("(" + "_" * 30 + ")", styles["Normal"]),
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
