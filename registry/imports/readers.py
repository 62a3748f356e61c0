"""Reading an uploaded CSV or XLSX file as rows of text, numbered as the clerk sees them.

Every cell arrives as text. An XLSX number cell becomes text too, but its position is
remembered: a NIK or No. KK stored as a number has already lost digits (a spreadsheet keeps
15 significant digits), so the validators refuse it with the clerk message of
`registry.nik` instead of importing a damaged number. Dates become YYYY-MM-DD.

CSV files saved by a spreadsheet in Indonesia are often separated by ";" and encoded in
Windows-1252; both are detected, and so is UTF-16 ("Unicode text"), with or without its byte
order mark. A NUL character, which no registry field can hold, refuses the file with the row
it is on, before anything is prepared. Row numbers count the header as row 1, so "row 7" is the
row the clerk sees as 7 in the spreadsheet, blank rows included.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NamedTuple

from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from registry.imports.values import CellError

SUFFIXES = (".csv", ".xlsx")
_DELIMITERS = (",", ";", "\t")
_NO_NUMBERS: frozenset[int] = frozenset()


class SheetRow(NamedTuple):
    number: int  # the row number shown by the spreadsheet (the header is row 1)
    values: tuple[str, ...]  # the cells, as text, in header order ("" when empty)
    numeric: frozenset[int]  # positions of cells that were numbers in the file (XLSX only)


@dataclass(frozen=True)
class Sheet:
    """An opened file: its header cells as written, and a way to walk its data rows."""

    path: Path
    headers: tuple[str, ...]

    def rows(self) -> Iterator[SheetRow]:
        """Data rows with at least one filled cell, padded or cut to the header's width."""
        reader = _csv_rows if self.path.suffix.lower() == ".csv" else _xlsx_rows
        width = len(self.headers)
        for number, cells, numeric in reader(self.path):
            if number == 1:
                continue
            if len(cells) != width:
                cells = (tuple(cells) + ("",) * width)[:width]
            if not "".join(cells).strip():  # no filled cell
                continue
            yield SheetRow(number, tuple(cells), numeric)

    def count(self) -> int:
        """About how many data rows there are, for the progress bar only.

        Counted from line breaks (CSV) or the sheet's stated used range (XLSX), without
        parsing: walking the file twice would double the slow part of a preview.
        """
        if self.path.suffix.lower() == ".csv":
            with self.path.open("rb") as handle:
                breaks = sum(
                    block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")
                )
            return max(breaks - 1, 0)
        workbook = load_workbook(self.path, read_only=True, data_only=True)
        try:
            return max((workbook.worksheets[0].max_row or 1) - 1, 0)
        finally:
            workbook.close()


def open_sheet(path: Path) -> Sheet:
    """Open a CSV or XLSX file and read its header row; `CellError` if it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise CellError(_("Upload a CSV or XLSX file."))
    try:
        reader = _csv_rows if suffix == ".csv" else _xlsx_rows
        first = next(reader(path), None)
    except CellError:
        raise
    except (OSError, ValueError, KeyError, csv.Error, zipfile.BadZipFile) as error:
        raise CellError(
            _("The file could not be read as %(format)s: %(error)s")
            % {"format": suffix[1:].upper(), "error": error}
        ) from None
    if first is None or first[0] != 1 or not any(cell.strip() for cell in first[1]):
        raise CellError(_("The first row must hold the column names; it is empty."))
    return Sheet(path=path, headers=tuple(cell.strip() for cell in first[1]))


def _decoded(path: Path) -> str:
    data = path.read_bytes()
    text = _text(data)
    if (nul := text.find("\x00")) >= 0:
        raise CellError(
            _(
                "Row %(row)s of the file holds a NUL character, which no field may hold. "
                'Save the file again as "CSV UTF-8" or XLSX.'
            )
            % {"row": text.count("\n", 0, nul) + 1}
        )
    return text


def _text(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _utf16(data, "utf-16")
    # UTF-16 without a byte order mark: every other byte of ASCII text is zero.
    head = data[:200]
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return _utf16(data, "utf-16-le")
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        return _utf16(data, "utf-16-be")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # "CSV (Comma delimited)" from a Windows spreadsheet is in the ANSI code page.
        return data.decode("cp1252", errors="replace")


def _utf16(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise CellError(
            _(
                "The file looks like UTF-16 text but cannot be read as such. "
                'Save it again as "CSV UTF-8" or XLSX.'
            )
        ) from None


def csv_text(path: Path) -> tuple[str, str]:
    """A CSV file's decoded text and its delimiter (the one its header line uses most)."""
    text = _decoded(path)
    header_line = text.split("\n", 1)[0]
    return text, max(_DELIMITERS, key=header_line.count)


def _csv_rows(path: Path) -> Iterator[tuple[int, Sequence[str], frozenset[int]]]:
    text, delimiter = csv_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for number, cells in enumerate(reader, start=1):
        yield number, cells, _NO_NUMBERS


def _xlsx_rows(path: Path) -> Iterator[tuple[int, Sequence[str], frozenset[int]]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells: list[str] = []
            numeric: set[int] = set()
            for position, value in enumerate(values):
                text, is_number = cell_text(value)
                cells.append(text)
                if is_number:
                    numeric.add(position)
            yield number, cells, frozenset(numeric) if numeric else _NO_NUMBERS
    finally:
        workbook.close()


def cell_text(value: Any) -> tuple[str, bool]:
    """An XLSX cell value as text, and whether it was stored as a number."""
    if value is None:
        return "", False
    if isinstance(value, str):
        return value, False
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), False
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)), True
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat(), False
        return value.isoformat(sep=" "), False
    if isinstance(value, date | time):
        return value.isoformat(), False
    return str(value), False
