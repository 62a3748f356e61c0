# ruff: noqa: S608 - statements built from staging names of this module and column positions.
"""A plain CSV quarter file judged in the database instead of row by row in Python.

A DTSEN quarter names every person of the city (two million rows), and nearly every row is
sixteen digits, a desil and the period. Checking each row in Python costs most of the
preview. Here the file is copied as it is into a temporary table and judged by its distinct
values, with the rules of the row check themselves (`DesilImport.check_row`): each distinct
desil and period cell is parsed once by the import's parser, and each distinct NIK by its
first twelve digits, since the NIK rules (`registry.nik.parse_nik`) read nothing else of a
sixteen-digit NIK but whether its serial is 0000. One statement then stages every row whose
cells all passed; every other row (a refused value, a NIK typed with spaces, a No. KK) goes
through the row check in Python as before, with its row number and message.

Only a file the database reads exactly as Python's CSV reader does is judged so: no quote
character, one kind of line ending, every line as wide as the header, no blank line. Any
other file (or an XLSX one) takes the row-by-row path; so does a file without a NIK column.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from django.db import transaction

from registry.imports.base import (
    COPY_BLOCK,
    STATISTICS_TARGET,
    ImportContext,
    ImportKind,
    Prepared,
)
from registry.imports.readers import Sheet, SheetRow, csv_text
from registry.imports.values import CellError, identifier_nik

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from django.db.backends.utils import CursorWrapper

RAW = "import_desil_raw"
CLEAN_NIK = "'^[0-9]{16}$'"
SERIAL = "0001"  # a serial the NIK rules accept, to judge a NIK by its first twelve digits


def _plain(text: str) -> str | None:
    """The file's data lines with "\\n" endings, or None when the database could read the
    file otherwise than the CSV reader (quotes, stray carriage returns, COPY's end marker)."""
    if '"' in text:
        return None
    text = text.replace("\r\n", "\n")
    if "\r" in text or text.startswith("\\.") or "\n\\." in text:
        return None
    body = text.split("\n", 1)[1] if "\n" in text else ""
    if "\n\n" in body or body.startswith("\n"):
        return None  # a blank line: the reader skips it but counts it
    return body


def _blocks(text: str) -> Iterator[bytes]:
    data = text.encode("utf-8")
    for start in range(0, len(data), COPY_BLOCK):
        yield data[start : start + COPY_BLOCK]


def _distinct(cursor: CursorWrapper, sql: str) -> list[Any]:
    cursor.execute(sql)
    return [row[0] for row in cursor.fetchall()]


def _map_table(cursor: CursorWrapper, name: str, kind: str, pairs: dict[str, Any]) -> None:
    """A temporary table of the accepted raw cells and their parsed values."""
    cursor.execute(f"CREATE TEMP TABLE {name} (raw text PRIMARY KEY, value {kind})")
    if pairs:
        cursor.execute(
            f"INSERT INTO {name} SELECT * FROM unnest(%s::text[], %s::{kind}[])",
            [list(pairs), list(pairs.values())],
        )
    cursor.execute(f"ANALYZE {name}")


def _accepted(values: list[str | None], parse: Callable[[str], Any]) -> dict[str, Any]:
    found = {}
    for raw in values:
        if raw is None:
            continue  # an empty cell: the row check says so
        try:
            found[raw] = parse(raw)
        except CellError:
            continue  # refused: its rows get the row check, for the message
    return found


def quarter_judge(
    kind: ImportKind,
    sheet: Sheet,
    path: Path,
    ctx: ImportContext,
    load: CursorWrapper,
    parsers: dict[str, Callable[[str], Any]],
) -> Prepared | None:
    """Stage a plain CSV file into `kind`'s staging table and write its prepared file;
    None (nothing done) when the file is not one the database reads as the reader does.

    `parsers` parse a desil and a period cell as the row check does (raising CellError)."""
    positions = ctx.layout.positions
    if sheet.path.suffix.lower() != ".csv" or "nik" not in positions:
        return None
    text, delimiter = csv_text(sheet.path)
    body = _plain(text)
    if body is None:
        return None
    width = len(sheet.headers)
    cells = [f"c{n}" for n in range(width)]
    nik, desil, period = (f"c{positions[name]}" for name in ("nik", "desil", "periode"))
    kk = f"c{positions['no_kk']}" if "no_kk" in positions else None
    try:
        with transaction.atomic():
            load.execute(f"DROP TABLE IF EXISTS {RAW}")
            load.execute(
                f"CREATE TEMP TABLE {RAW} (row_no integer GENERATED ALWAYS AS IDENTITY"
                f" (START WITH 2), {', '.join(f'{c} text' for c in cells)})"
            )
            copy_sql = (
                f"COPY {RAW} ({', '.join(cells)}) FROM STDIN (FORMAT csv, DELIMITER '{delimiter}')"
            )
            with load.cursor.copy(copy_sql) as copy:
                for block in _blocks(body):
                    copy.write(block)
            # Without statistics the planner takes the file for a few rows and joins it
            # by nested loops: minutes for a city instead of seconds.
            load.execute("SET LOCAL default_statistics_target = %s", [STATISTICS_TARGET])
            load.execute(f"ANALYZE {RAW}")
            summary = _judge(kind, ctx, load, parsers, cells, nik, desil, period, kk)
    except psycopg.DataError:
        return None  # a ragged line: the row-by-row path reads it as the reader does
    _write_prepared(kind, load, path)
    return summary


def _judge(
    kind: ImportKind,
    ctx: ImportContext,
    cursor: CursorWrapper,
    parsers: dict[str, Callable[[str], Any]],
    cells: list[str],
    nik: str,
    desil: str,
    period: str,
    kk: str | None,
) -> Prepared:
    desils = _accepted(_distinct(cursor, f"SELECT DISTINCT {desil} FROM {RAW}"), parsers["desil"])
    periods = _accepted(
        _distinct(cursor, f"SELECT DISTINCT {period} FROM {RAW}"), parsers["periode"]
    )
    prefixes = _distinct(
        cursor,
        f"SELECT DISTINCT left({nik}, 12) FROM {RAW}"
        f" WHERE {nik} ~ {CLEAN_NIK} AND right({nik}, 4) <> '0000'",
    )
    good = {
        prefix: True
        for prefix in prefixes
        if _nik_accepted(prefix + SERIAL, ctx)  # the serial is the only other part read
    }
    _map_table(cursor, "import_desil_value", "smallint", desils)
    _map_table(cursor, "import_desil_period", "text", periods)
    _map_table(cursor, "import_nik_prefix", "boolean", good)
    no_kk = f"AND ({kk} IS NULL OR {kk} = '')" if kk else ""
    cursor.execute(
        f"""
        INSERT INTO {kind.staging_table} (row_no, bad, nik, desil, period)
        SELECT r.row_no, false, r.{nik}, d.value, p.value
        FROM {RAW} r
        JOIN import_desil_value d ON d.raw = r.{desil}
        JOIN import_desil_period p ON p.raw = r.{period}
        JOIN import_nik_prefix n ON n.raw = left(r.{nik}, 12)
        WHERE r.{nik} ~ {CLEAN_NIK} AND right(r.{nik}, 4) <> '0000' {no_kk}
        """
    )
    summary = Prepared(rows=cursor.rowcount)
    cursor.execute(
        f"""
        SELECT r.row_no, {", ".join(f"r.{c}" for c in cells)} FROM {RAW} r
        WHERE NOT EXISTS (SELECT 1 FROM {kind.staging_table} s WHERE s.row_no = r.row_no)
        ORDER BY r.row_no
        """
    )
    rest = [
        SheetRow(number, tuple(cell or "" for cell in values), frozenset())
        for number, *values in cursor.fetchall()
    ]
    # Blank rows are skipped as the reader skips them; the others get the row check.
    rows = (row for row in rest if any(cell.strip() for cell in row.values))
    lines = "".join(kind.prepared_blocks(rows, ctx, summary))
    if lines:
        with cursor.cursor.copy(kind.copy_sql()) as copy:
            copy.write(lines)
    cursor.execute(f"DROP TABLE {RAW}, import_desil_value, import_desil_period, import_nik_prefix")
    return summary


def _nik_accepted(nik: str, ctx: ImportContext) -> bool:
    try:
        return identifier_nik(nik, numeric=False, today=ctx.today).nik == nik
    except CellError:
        return False


def _write_prepared(kind: ImportKind, cursor: CursorWrapper, path: Path) -> None:
    """The staged rows as the prepared file the commit loads (as the row-by-row path writes
    it: one line per clean row, one per problem of a refused row, in file order)."""
    names = ", ".join(kind.prepared_columns)
    tmp = path.with_suffix(".tmp")
    with (
        tmp.open("wb") as handle,
        cursor.cursor.copy(
            f"COPY (SELECT {names} FROM {kind.staging_table} ORDER BY row_no)"
            " TO STDOUT (FORMAT csv)"
        ) as copy,
    ):
        for data in copy:
            handle.write(data)
    tmp.replace(path)
