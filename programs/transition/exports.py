"""The impact report of a quarter as XLSX: counts per programme and kelurahan, and for a
reader who may see rows, the lists of households and proposed exits (NIK masked)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from depok_kds.spreadsheet import row_safe
from programs.transition.models import ExitProposal, ImpactEntry
from programs.transition.selectors import ProgrammeImpact
from registry.models import Kelurahan
from registry.selectors import mask_nik


def impact_xlsx(
    *,
    period: str,
    report: Sequence[ProgrammeImpact],
    entries: Iterable[ImpactEntry],
    proposals: Iterable[ExitProposal],
) -> bytes:
    names = dict(Kelurahan.objects.values_list("code", "name"))
    book = Workbook()
    sheet = book.active
    sheet.title = period
    sheet.append(
        [
            _("Programme"),
            _("Kelurahan"),
            _("Entered"),
            _("Left"),
            _("Newly eligible"),
            _("Enrolments affected"),
        ]
    )
    for row in report:
        for code, c in row.kelurahan.items():
            sheet.append(
                row_safe(
                    [
                        row.programme.name,
                        names.get(code, code),
                        c.entered,
                        c.left,
                        c.newly_eligible,
                        c.affected,
                    ]
                )
            )
        t = row.total
        sheet.append(
            row_safe(
                [row.programme.name, _("Total"), t.entered, t.left, t.newly_eligible, t.affected]
            )
        )
    households = book.create_sheet(_("Households"))
    households.append(
        [
            _("Programme"),
            _("Kelurahan"),
            _("Household"),
            _("Head"),
            _("Change"),
            _("Desil before"),
            _("Desil after"),
            _("Enrolled"),
        ]
    )
    for e in entries:
        head = e.household.head
        households.append(
            row_safe(
                [
                    e.programme.name,
                    names.get(e.kelurahan_code, e.kelurahan_code),
                    e.household_id,
                    head.full_name if head else "",
                    e.get_change_display(),
                    e.desil_before,
                    e.desil_after,
                    _("yes") if e.enrolled else _("no"),
                ]
            )
        )
    exits = book.create_sheet(_("Proposed exits"))
    exits.append(
        [
            _("Programme"),
            _("Kelurahan"),
            _("Name"),
            "NIK",
            _("Desil before"),
            _("Desil after"),
            _("Status"),
            _("Exit effective on"),
        ]
    )
    for p in proposals:
        exits.append(
            row_safe(
                [
                    p.programme.name,
                    names.get(p.kelurahan_code, p.kelurahan_code),
                    p.person.full_name,
                    mask_nik(p.person.nik),
                    p.desil_before,
                    p.desil_after,
                    p.get_status_display(),
                    p.effective_on.isoformat() if p.effective_on else "",
                ]
            )
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
