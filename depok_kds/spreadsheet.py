"""Cells that a spreadsheet cannot run: the one guard of every CSV and XLSX export.

A value read from the registry (a name, an address, a reason) that begins with `=`, `+`, `-`
or `@`, or with a tab or carriage return before one, is taken by Excel and LibreOffice as a
formula (OWASP, "CSV Injection"): `=HYPERLINK(...)` beside a column of full NIKs, or a
DDE call. Every export writes its text through `cell_safe`, which puts a single quote in
front of such a value, so it is shown as the text it is and never evaluated.

The registry keeps such a value as it was typed (a name or an address is what the citizen
gave; a leading dash in an address is common) and neutralises it here, on output only.
Numbers, dates and other non-text values pass unchanged, so a negative amount stays a number.
"""

from __future__ import annotations

from collections.abc import Iterable

# OWASP's list: the four formula triggers, and tab / carriage return, which spreadsheet
# programs strip before looking for one.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: object) -> object:
    """`value`, with a text that a spreadsheet would run as a formula turned into plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def row_safe(values: Iterable[object]) -> list[object]:
    """`cell_safe` over a row."""
    return [cell_safe(value) for value in values]
