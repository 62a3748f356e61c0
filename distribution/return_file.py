"""Reading the bank's return (statement) file: CSV or XLSX, layout configurable.

A layout in the programme's channel settings (`return_layout`) says which column holds
the reference, the amount, the status and the bank's reason, and which status codes mean
paid, failed or returned. Each row is read on its own: a row that is not valid UTF-8, or
lacks a field, becomes a bad row with its number and reason instead of failing the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import load_workbook

DEFAULT_LAYOUT: dict[str, Any] = {
    "delimiter": ";",
    "header": True,
    "columns": {"reference": 0, "amount": 1, "status": 2, "reason": 3},
    "status_values": {
        "paid": ["00", "PAID", "SUKSES", "SUCCESS", "BERHASIL"],
        "failed": ["FAILED", "GAGAL", "REJECT", "01"],
        "returned": ["RETURNED", "RETUR", "KEMBALI", "02"],
    },
}


@dataclass(slots=True)
class ReturnRow:
    row: int
    reference: str
    amount: Decimal
    status: str  # paid / failed / returned
    reason: str


@dataclass(frozen=True)
class BadRow:
    row: int
    reference: str
    reason: str  # an English msgid


def parse(
    content: bytes, layout: Mapping[str, Any] | None = None
) -> tuple[list[ReturnRow], list[BadRow]]:
    layout = {**DEFAULT_LAYOUT, **(layout or {})}
    raw_rows = _xlsx_rows(content) if content[:2] == b"PK" else _csv_rows(content, layout)
    columns = layout["columns"]
    statuses = {
        code.upper(): status for status, codes in layout["status_values"].items() for code in codes
    }
    good: list[ReturnRow] = []
    bad: list[BadRow] = []
    start = 2 if layout.get("header", True) else 1
    if layout.get("header", True):
        raw_rows = raw_rows[1:]
    for number, cells in enumerate(raw_rows, start=start):
        if cells is None:
            bad.append(BadRow(number, "", "The row is not valid UTF-8 text."))
            continue
        if not "".join(cells).strip():
            continue
        try:
            reference = cells[columns["reference"]].strip()
            amount_text = cells[columns["amount"]].strip()
            status_text = cells[columns["status"]].strip().upper()
            reason = cells[columns["reason"]].strip() if columns["reason"] < len(cells) else ""
        except IndexError:
            bad.append(BadRow(number, "", "The row has too few columns."))
            continue
        try:
            amount = Decimal(amount_text.replace(".", "").replace(",", "")) if amount_text else None
        except InvalidOperation:
            amount = None
        if amount is None:
            bad.append(BadRow(number, reference, "The amount is not a number."))
        elif status_text not in statuses:
            bad.append(BadRow(number, reference, "The status code is unknown."))
        else:
            good.append(ReturnRow(number, reference, amount, statuses[status_text], reason[:200]))
    return good, bad


def _csv_rows(content: bytes, layout: Mapping[str, Any]) -> list[list[str] | None]:
    delimiter = str(layout.get("delimiter", ";"))
    try:
        # The usual case: the whole file is UTF-8, read by one csv reader.
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return [row or [] for row in csv.reader(text.splitlines(), delimiter=delimiter)]
    rows: list[list[str] | None] = []
    for raw in content.splitlines():
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            rows.append(None)
            continue
        rows.append(next(csv.reader([text], delimiter=delimiter), []))
    return rows


def _xlsx_rows(content: bytes) -> list[list[str] | None]:
    sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    return [
        ["" if cell is None else str(cell) for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]
