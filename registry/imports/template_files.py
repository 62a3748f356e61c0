"""Downloadable template files of each import kind: the header, an example, the guide.

The XLSX template formats the identifier columns as text, so that a NIK typed into it is
never turned into a number; its second sheet describes every column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

from registry.imports.base import ImportKind
from registry.imports.columns import Column

# A made-up family (the numbers are well-formed; no such persons exist).
HOUSEHOLD_EXAMPLE = (
    ("3276011503200001", "32.76.01.1006", "3", "7", "Jl. Melati No. 8", "3276012505850001", "",
     "Slamet Riyadi", "L", "Depok", "1985-05-25", "1", "kawin", "sma", "Pedagang", ""),
    ("3276011503200001", "32.76.01.1006", "3", "7", "Jl. Melati No. 8", "3276014908870002", "",
     "Siti Aminah", "P", "Bogor", "1987-08-09", "3", "kawin", "smp", "", ""),
    ("3276011503200001", "32.76.01.1006", "3", "7", "Jl. Melati No. 8", "", "",
     "Rizky Pratama", "L", "Depok", "2024-01-12", "4", "belum_kawin", "belum_sekolah", "", ""),
)  # fmt: skip
IDENTIFIER_COLUMNS = frozenset({"no_kk", "nik"})


def example_rows(kind: ImportKind, columns: Sequence[Column]) -> list[list[str]]:
    if kind.key == "households":
        return [list(row) for row in HOUSEHOLD_EXAMPLE]
    return [[column.example for column in columns]]


def template_csv(kind: ImportKind) -> bytes:
    columns = list(kind.columns())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.name for column in columns])
    writer.writerows(example_rows(kind, columns))
    # With a byte order mark a spreadsheet opens the file as UTF-8 (names with accents).
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(kind: ImportKind) -> bytes:
    columns = list(kind.columns())
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "data"
    sheet.append([column.name for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in example_rows(kind, columns):
        sheet.append(row)
    for position, column in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=position).column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.name) + 4)
        if column.name in IDENTIFIER_COLUMNS:
            sheet.column_dimensions[letter].width = 20
            for row_number in range(2, 5001):  # text format for the rows a clerk fills in
                sheet.cell(row=row_number, column=position).number_format = "@"
    guide = workbook.create_sheet(str(_("guide")))
    guide.append([str(_("Column")), str(_("Required")), str(_("What to write"))])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in columns:
        guide.append([column.name, str(_("yes") if column.required else _("no")), str(column.help)])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["C"].width = 110
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
