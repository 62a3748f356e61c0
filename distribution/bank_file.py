"""The bank's disbursement file, written from a configurable layout (no database).

A layout is a dict stored in the programme's channel settings:

    {"format": "csv", "delimiter": ";", "columns": ["reference", "account_number", ...],
     "header": true, "trailer": true}
    {"format": "fixed", "columns": [{"name": "reference", "width": 16}, ...], ...}

CSV because BJB's host accepts it and people can open it; fixed width because older bank
hosts still ask for it. The header names the batch, the date, the line count and the
total; the trailer repeats count and total so the bank can check the file is whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

COLUMNS = ("reference", "account_number", "account_name", "amount", "description", "bank_code")


@dataclass(frozen=True)
class FileRow:
    reference: str
    account_number: str
    account_name: str
    amount: Decimal
    description: str
    bank_code: str = "BJB"

    def value(self, column: str) -> str:
        if column not in COLUMNS:
            raise ValueError(f"unknown column {column!r}")
        raw = getattr(self, column)
        return str(int(raw)) if isinstance(raw, Decimal) else str(raw)


class LayoutError(ValueError):
    """The configured layout cannot be used (fail closed: no file is written)."""


def _columns(layout: Mapping[str, Any]) -> list[tuple[str, int]]:
    raw = layout.get("columns")
    if not raw:
        raise LayoutError("the layout names no columns")
    columns: list[tuple[str, int]] = []
    for item in raw:
        name, width = (item, 0) if isinstance(item, str) else (item["name"], int(item["width"]))
        if name not in COLUMNS:
            raise LayoutError(f"unknown column {name!r}")
        columns.append((name, width))
    return columns


def write(layout: Mapping[str, Any], rows: Iterable[FileRow], *, batch_ref: str, on: date) -> bytes:
    """The file as bytes (UTF-8, CRLF line ends as banks expect)."""
    columns = _columns(layout)
    fmt = layout.get("format", "csv")
    if fmt not in ("csv", "fixed"):
        raise LayoutError(f"unknown format {fmt!r}")
    if fmt == "fixed" and any(width <= 0 for _, width in columns):
        raise LayoutError("a fixed-width layout needs a width for every column")
    body: list[list[str]] = []
    count, total = 0, Decimal(0)
    for row in rows:
        body.append([row.value(name) for name, _ in columns])
        count += 1
        total += row.amount
    header = ["H", batch_ref, on.strftime("%Y%m%d"), str(count), str(int(total))]
    trailer = ["T", str(count), str(int(total))]
    out = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(out, delimiter=str(layout.get("delimiter", ";")), lineterminator="\r\n")
        if layout.get("header", True):
            writer.writerow(header)
        writer.writerows(body)
        if layout.get("trailer", True):
            writer.writerow(trailer)
    else:
        widths = [width for _, width in columns]
        if layout.get("header", True):
            out.write("".join(header[:1]) + "".join(f.rjust(16) for f in header[1:]) + "\r\n")
        for values in body:
            out.write("".join(_fit(v, w) for v, w in zip(values, widths, strict=True)) + "\r\n")
        if layout.get("trailer", True):
            out.write("T" + trailer[1].rjust(10, "0") + trailer[2].rjust(18, "0") + "\r\n")
    return out.getvalue().encode("utf-8")


def _fit(value: str, width: int) -> str:
    """Numbers right-aligned with zeros, text left-aligned with spaces, cut to the width."""
    if value.isdigit():
        return value[-width:].rjust(width, "0")
    return value[:width].ljust(width)
