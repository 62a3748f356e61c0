"""Tables of DKB extracts: one per extract, loaded by COPY and checked in SQL, on every core.

A million-row CSV loads at PostgreSQL's speed, not Python's, in four steps (the phases of
`LoadResult.seconds`):

copy   The file is cut into PARTS byte ranges of whole rows, and each range is streamed
       unparsed by a COPY of its own, on a connection of its own, into a temporary staging
       table of text columns. A cut is a newline after an even number of double quotes:
       PostgreSQL's CSV reader enters or leaves a quoted field at every quote character, so
       a newline inside a quoted field is never a cut.
check  On the same connection, as soon as its part is copied, INSERT ... SELECT cleans
       every row into the extract's own table and names the problem of each bad row.
clean  The bad rows are reported with their row numbers and deleted, in one statement,
       while the columns that matching looks rows up by are analyzed.
index  The three indexes are built at once (see `_index`).

Only when a file's structure is broken (a row with the wrong number of columns, text that
is not UTF-8) does COPY refuse it; a slower Python pass then splits good rows from bad ones
into a single staging table, which is checked the same way.

Row numbers are those a spreadsheet shows: the header is row 1, the first person row 2.
Each staging table numbers its rows from 1; the check adds the rows of the parts before it.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import psycopg
from django.db import IntegrityError, connection, connections, transaction
from psycopg import sql

TABLE_PREFIX = "dukcapil_dkb_"
BLOCK_BYTES = 1 << 20
MAX_REPORTED_ROWS = 1000
# The file is copied and checked in this many parts at once (one per core).
PARTS = 2
DELIMITERS = (",", ";", "|", "\t")
# Sort memory of each index build (see `_index`).
INDEX_SORT_MEMORY = "4MB"
# The columns matching looks rows up by, whose statistics the planner needs.
ANALYZED = ("nik", "kk", "birth_date", "sex")


@dataclass(frozen=True)
class Column:
    name: str  # column of the extract table
    headers: tuple[str, ...]  # Dukcapil names accepted in the file's header
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("nik", ("NIK",), required=True),
    Column("kk", ("NO_KK",), required=True),
    Column("full_name", ("NAMA_LGKP",), required=True),
    Column("birth_place", ("TMPT_LHR",)),
    Column("birth_date", ("TGL_LHR",), required=True),
    Column("sex", ("JENIS_KLMIN",), required=True),
    Column("relationship", ("STAT_HBKEL",)),
    Column("marital_status", ("STATUS_KAWIN", "STAT_KWN")),
    Column("mother_name", ("NAMA_LGKP_IBU",)),
    Column("address", ("ALAMAT",)),
    Column("rt", ("NO_RT",)),
    Column("rw", ("NO_RW",)),
    Column("kecamatan_no", ("NO_KEC",)),
    Column("kelurahan_no", ("NO_KEL",)),
    Column("deceased", ("STAT_MATI",)),
    Column("death_date", ("TGL_MATI",)),
    Column("moved", ("STAT_PINDAH",)),
    Column("moved_on", ("TGL_PINDAH",)),
)
# The file column each problem code points at, for the bad-row report.
PROBLEM_COLUMN = {
    "nik": "NIK",
    "kk": "NO_KK",
    "full_name": "NAMA_LGKP",
    "birth_date": "TGL_LHR",
    "sex": "JENIS_KLMIN",
    "death_date": "TGL_MATI",
    "moved_on": "TGL_PINDAH",
    "duplicate_nik": "NIK",
    "columns": "",
    "encoding": "",
}
RELATIONSHIP_CODES = {
    "KEPALA KELUARGA": "1",
    "SUAMI": "2",
    "ISTRI": "3",
    "ANAK": "4",
    "MENANTU": "5",
    "CUCU": "6",
    "ORANG TUA": "7",
    "ORANGTUA": "7",
    "MERTUA": "8",
    "FAMILI LAIN": "9",
    "PEMBANTU": "10",
    "LAINNYA": "11",
}
MALE = ("LAKI-LAKI", "LAKI LAKI", "LAKI", "L", "LK", "PRIA", "1", "M")
FEMALE = ("PEREMPUAN", "P", "PR", "WANITA", "2", "F")
TRUE_STATUS = ("Y", "YA", "1", "TRUE", "MATI", "MENINGGAL", "PINDAH")
# Columns whose stray spaces would make a good value look bad; others are kept as written.
TRIMMED = frozenset(
    {"nik", "kk", "full_name", "birth_date", "sex", "relationship", "deceased", "death_date",
     "moved", "moved_on"}
)  # fmt: skip
# Columns read through a table of codes (trimmed there, see `_code_sql`).
CODES = {
    "sex": {**dict.fromkeys(MALE, "M"), **dict.fromkeys(FEMALE, "F")},
    "relationship": {**{str(code): str(code) for code in range(1, 12)}, **RELATIONSHIP_CODES},
    "deceased": dict.fromkeys(TRUE_STATUS, "Y"),
    "moved": dict.fromkeys(TRUE_STATUS, "Y"),
}
# Columns empty for most people (neither dead nor moved), checked apart (see `_check`).
STATUS = ("deceased", "death_date", "moved", "moved_on")

T = TypeVar("T")


class HeaderError(ValueError):
    """The header lacks required columns (or is not a header): nothing can be loaded."""

    def __init__(self, missing: Sequence[str], *, duplicated: Sequence[str] = ()) -> None:
        super().__init__(", ".join([*missing, *duplicated]))
        self.missing = list(missing)
        self.duplicated = list(duplicated)


@dataclass(frozen=True)
class BadRow:
    row: int
    column: str
    problem: str


@dataclass
class LoadResult:
    rows: int
    bad_rows: int
    reported: list[BadRow]
    structural_fallback: bool
    seconds: dict[str, float]  # per step: copy, check, clean, index


Report = Callable[[float], None]  # fraction of the work done, 0..1
# Fills a staging table (its name and width) with rows of the file; returns how many.
Fill = Callable[[str, int], int]


def table_name(extract_id: int) -> str:
    return f"{TABLE_PREFIX}{int(extract_id)}"


def _execute(query: sql.Composable, params: Sequence[Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(), params)
        return cursor.fetchall() if cursor.description else None


def drop_tables(extract_id: int) -> None:
    """Drop an extract's table (its staging tables are temporary: they never outlive a load)."""
    _execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table_name(extract_id))))


def parse_header(line: bytes) -> tuple[str, list[str], dict[str, int]]:
    """The delimiter, the header names and where each extract column is in a row."""
    text = line.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    delimiter = max(DELIMITERS, key=text.count)
    names = [name.strip().upper() for name in next(csv.reader([text], delimiter=delimiter))]
    duplicated = sorted({name for name in names if name and names.count(name) > 1})
    positions: dict[str, int] = {}
    missing: list[str] = []
    for column in COLUMNS:
        found = [names.index(h) for h in column.headers if h in names]
        if found:
            positions[column.name] = found[0]
        elif column.required:
            missing.append(column.headers[0])
    if missing or duplicated:
        raise HeaderError(missing, duplicated=duplicated)
    return delimiter, names, positions


def load(
    *, extract_id: int, path: Path, today_iso: str, report: Report = lambda fraction: None
) -> LoadResult:
    """Load the CSV at `path` into the extract's table; return counts and the bad rows.

    Safe to run again after an interruption: it starts over from an empty table.
    """
    clock = _Clock()
    with path.open("rb") as handle:
        delimiter, names, positions = parse_header(handle.readline())
        ranges = _ranges(handle, handle.tell(), path.stat().st_size)
    report(0.05)
    target = table_name(extract_id)
    fills: list[Fill] = [
        functools.partial(_copy_range, path, start, end, delimiter) for start, end in ranges
    ]
    structural: list[BadRow] = []
    fallback = False
    try:
        staged_at, checked = _stage_and_check(extract_id, fills, len(names), positions, today_iso)
    except psycopg.DataError:
        # A broken row (column count, quoting, bytes that are not UTF-8) stops COPY, and its
        # transaction has rolled the part back: sort the file out row by row instead.
        fallback = True
        fills = [functools.partial(_copy_checked, path, ranges[0][0], delimiter, structural)]
        staged_at, checked = _stage_and_check(extract_id, fills, len(names), positions, today_iso)
    clock.lap("copy", at=staged_at)
    clock.lap("check")
    report(0.8)
    bad_count, reported = _clean(target)
    clock.lap("clean")
    report(0.9)
    duplicates = _index(target)
    clock.lap("index")
    report(1.0)
    every = sorted([*structural, *reported, *duplicates], key=lambda bad: bad.row)
    return LoadResult(
        rows=checked - bad_count - len(duplicates),
        bad_rows=len(structural) + bad_count + len(duplicates),
        reported=every[:MAX_REPORTED_ROWS],
        structural_fallback=fallback,
        seconds=clock.laps,
    )


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str, *, at: float | None = None) -> None:
        """Time the step `name` as ending now, or at `at` (a perf_counter() value)."""
        end = time.perf_counter() if at is None else at
        self.laps[name] = round(end - self._last, 3)
        self._last = end


def _in_parallel(tasks: Sequence[Callable[[], T]]) -> list[T]:
    """Run independent tasks at once, each in a transaction on a connection of its own, so
    that every core works; inside a caller's transaction (a test) one after the other
    instead, since other connections would not see its uncommitted tables."""

    def run(task: Callable[[], T]) -> T:
        try:
            with transaction.atomic():
                return task()
        finally:
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()

    if connection.in_atomic_block or len(tasks) < 2:
        return [run(task) for task in tasks]
    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        futures = [pool.submit(run, task) for task in tasks]
        return [future.result() for future in futures]


def _ranges(handle: IO[bytes], start: int, end: int) -> list[tuple[int, int]]:
    """The bytes start..end (whole rows) cut into PARTS ranges of whole rows, or fewer when
    the rows are too few (or a quote is never closed: COPY will refuse the file anyway)."""
    cuts = [start]
    for part in range(1, PARTS):
        cut = _row_end(handle, cuts[-1], start + (end - start) * part // PARTS)
        if cut is None or cut >= end:
            break
        cuts.append(cut)
    return list(itertools.pairwise([*cuts, end]))


def _row_end(handle: IO[bytes], start: int, middle: int) -> int | None:
    """The offset just past the first row end at or after `middle`, reading from `start` (a
    row's start): the first newline there after an even number of quotes since `start`."""
    handle.seek(start)
    quotes = 0
    while (size := min(BLOCK_BYTES, middle - handle.tell())) > 0 and (block := handle.read(size)):
        quotes += block.count(b'"')
    while block := handle.read(BLOCK_BYTES):
        offset = 0
        while (newline := block.find(b"\n", offset)) >= 0:
            quotes += block.count(b'"', offset, newline)
            offset = newline + 1
            if quotes % 2 == 0:
                return handle.tell() - len(block) + offset
        quotes += block.count(b'"', offset)
    return None


def _stage_and_check(
    extract_id: int, fills: Sequence[Fill], width: int, positions: dict[str, int], today_iso: str
) -> tuple[float, int]:
    """(Re)create the extract's table, then fill a staging table per part and check it into
    the extract's table, all parts at once; return when the last part was staged (a
    perf_counter() value) and how many rows were staged.

    A part's check waits for the row counts of the parts before it, which number its rows.
    """
    target = table_name(extract_id)
    drop_tables(extract_id)
    _create_table(target)
    counts: list[Future[int]] = [Future() for _ in fills]
    staged: list[float] = []

    def part(index: int, fill: Fill) -> None:
        # The commit of a part need not wait for its WAL: activating the extract will.
        _execute(sql.SQL("SET LOCAL synchronous_commit = off"))
        stage = f"dkb_stage_{int(extract_id)}_{index}"
        _create_stage(stage, width)
        try:
            counts[index].set_result(fill(stage, width))
        except BaseException as exc:
            counts[index].set_exception(exc)
            raise
        staged.append(time.perf_counter())
        rows_before = sum(count.result() for count in counts[:index])
        _check(stage, counts[index].result(), rows_before, target, positions, today_iso)
        _execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(stage)))

    _in_parallel([functools.partial(part, i, fill) for i, fill in enumerate(fills)])
    return max(staged), sum(count.result() for count in counts)


def _create_stage(stage: str, width: int) -> None:
    columns = sql.SQL(", ").join(
        sql.SQL("{} text").format(sql.Identifier(f"c{i}")) for i in range(width)
    )
    # Temporary: cheaper to fill than a shared table, and gone with the connection. COPY
    # takes a row number from the identity for every row, hence its cache.
    _execute(
        sql.SQL(
            "CREATE TEMPORARY TABLE {} "
            "(row_no bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 1000), {})"
        ).format(sql.Identifier(stage), columns)
    )


def _copy_statement(stage: str, width: int, *, delimiter: str | None) -> sql.Composed:
    """COPY the file as CSV (`delimiter`), or rows written one by one (None: text format).

    Either way an empty field arrives as '', never NULL (FORCE_NOT_NULL for CSV).
    """
    names = sql.SQL(", ").join(sql.Identifier(f"c{i}") for i in range(width))
    if delimiter is None:
        return sql.SQL("COPY {} (row_no, {}) FROM STDIN").format(sql.Identifier(stage), names)
    return sql.SQL(
        "COPY {} ({names}) FROM STDIN WITH "
        "(FORMAT csv, DELIMITER {}, ENCODING 'UTF8', FORCE_NOT_NULL ({names}))"
    ).format(sql.Identifier(stage), sql.Literal(delimiter), names=names)


def _copy_range(path: Path, start: int, end: int, delimiter: str, stage: str, width: int) -> int:
    """COPY the rows in bytes start..end of the file into `stage`; return how many."""
    statement = _copy_statement(stage, width, delimiter=delimiter)
    with path.open("rb") as handle, connection.cursor() as cursor:
        handle.seek(start)
        # No progress report while COPY runs: the connection serves nothing else meanwhile.
        with cursor.cursor.copy(statement) as copy:
            while block := handle.read(min(BLOCK_BYTES, end - handle.tell())):
                copy.write(block)
        return int(cursor.cursor.rowcount)


def _copy_checked(
    path: Path, start: int, delimiter: str, bad: list[BadRow], stage: str, width: int
) -> int:
    """Python pass: rows with the wrong number of columns or bad bytes are added to `bad`,
    the others copied into `stage`; returns how many were."""
    statement = _copy_statement(stage, width, delimiter=None)
    decoder_marker = "\ufffd"
    copied = 0
    with path.open("rb") as handle, connection.cursor() as cursor:
        handle.seek(start)
        text = io.TextIOWrapper(handle, encoding="utf-8", errors="replace", newline="")
        lines = (line.replace("\0", "\ufffd") for line in text)
        with cursor.cursor.copy(statement) as copy:
            for number, fields in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
                if not fields:
                    continue
                row = number + 1
                if len(fields) != width:
                    bad.append(BadRow(row, "", "columns"))
                elif any(decoder_marker in value for value in fields):
                    bad.append(BadRow(row, "", "encoding"))
                else:
                    copy.write_row([number, *fields])
                    copied += 1
    return copied


# Each function call costs a million rows tens of milliseconds, so the SQL below calls as
# few as a good row allows: btrim() only for a value with a space at an end, codes looked
# up as written before upper() (slow in a UTF-8 database), a character class rather than
# translate() to find non-digits, cheap LIKE shapes before a date is parsed.
def _trim_sql(value: sql.Composable) -> sql.Composed:
    """btrim(value), called only when a space begins or ends it."""
    return sql.SQL(
        "(CASE WHEN {v} LIKE ' %' OR {v} LIKE '% ' THEN btrim({v}) ELSE {v} END)"
    ).format(v=value)


def _code_sql(value: sql.Composable, codes: dict[str, str]) -> sql.Composed:
    """The code `codes` gives `value` (trimmed, as written or in capitals), or NULL.

    A value that is a code as written needs neither btrim() nor upper() (slow in a UTF-8
    database); a code has no space at either end, so it is the trimmed value too.
    """
    mapping = sql.SQL("{}::jsonb").format(sql.Literal(json.dumps(codes)))
    trimmed = _trim_sql(value)
    return sql.SQL("coalesce({m} ->> {v}, {m} ->> {t}, {m} ->> upper({t}))").format(
        m=mapping, v=value, t=trimmed
    )


def _iso_sql(value: sql.Composable) -> sql.Composed:
    """YYYY-MM-DD text from DD-MM-YYYY, DD/MM/YYYY or YYYY-MM-DD text (NULL otherwise)."""
    return sql.SQL(
        "(CASE WHEN {v} LIKE '____-__-__' THEN {v} "
        "WHEN {v} LIKE '__-__-____' OR {v} LIKE '__/__/____' OR {v} LIKE '__.__.____' "
        "THEN substr({v}, 7, 4) || '-' || substr({v}, 4, 2) || '-' || substr({v}, 1, 2) END)"
    ).format(v=value)


def _date_sql(iso: sql.Composable) -> sql.Composed:
    """The date of YYYY-MM-DD text, or NULL when it is not one (31 February, 12-AB-1990).

    Nested CASEs fix the order: digits are checked before any cast, the month before
    make_date sees it. Used on servers older than PostgreSQL 16 only (see `_soft_date_sql`).
    """
    first_of_month = "make_date(substr({iso}, 1, 4)::int, substr({iso}, 6, 2)::int, 1)"
    return sql.SQL(
        "(CASE WHEN translate({iso}, '0123456789', '') = '--' "
        "THEN CASE WHEN substr({iso}, 1, 4)::int BETWEEN 1880 AND 2200 "
        "AND substr({iso}, 6, 2)::int BETWEEN 1 AND 12 "
        "THEN CASE WHEN substr({iso}, 9, 2)::int BETWEEN 1 AND "
        "((" + first_of_month + " + interval '1 month')::date - " + first_of_month + ") "
        "THEN {iso}::date END END END)"
    ).format(iso=iso)


def _soft_date_sql(value: sql.Composable) -> sql.Composed:
    """The date of DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY or YYYY-MM-DD text, or NULL.

    PostgreSQL's own date parser (DateStyle ISO, DMY, set by the caller) checks the day, and
    pg_input_is_valid (PostgreSQL 16+) asks it without raising; the shapes keep out words
    such as "today" that the parser would accept too.
    """
    return sql.SQL(
        "(CASE WHEN ({v} LIKE '__-__-____' OR {v} LIKE '____-__-__' OR {v} LIKE '__/__/____' "
        "OR {v} LIKE '__.__.____') AND pg_input_is_valid({v}, 'date') THEN {v}::date END)"
    ).format(v=value)


def _digits_sql(value: sql.Composable, length: int) -> sql.Composed:
    """TRUE when `value` is exactly `length` ASCII digits."""
    return sql.SQL("(octet_length({v}) = {n} AND {v} !~ '[^0-9]')").format(
        v=value, n=sql.Literal(length)
    )


def _create_table(target: str) -> None:
    _execute(
        sql.SQL(
            """
            CREATE TABLE {} (
                row_no bigint NOT NULL, nik text, kk text, full_name text, birth_place text,
                birth_date date, sex text, relationship text, marital_status text,
                mother_name text, address text, rt text, rw text, kecamatan_no text,
                kelurahan_no text, is_deceased boolean, death_date date, moved_out boolean,
                moved_out_on date, problem text
            )
            """
        ).format(sql.Identifier(target))
    )


def _check(
    stage: str,
    staged: int,
    rows_before: int,
    target: str,
    positions: dict[str, int],
    today_iso: str,
) -> None:
    """Check the `staged` rows of `stage` into `target`.

    Most people have neither died nor moved: their rows leave the STATUS columns empty. Such
    rows are checked by a statement that takes those columns as empty, and so computes
    nothing for them; the other rows, if the first statement left any, by one that checks
    those columns too.
    """
    _execute(sql.SQL("SET LOCAL datestyle = 'ISO, DMY'"))
    status = [sql.Identifier(f"c{positions[name]}") for name in STATUS if name in positions]
    quiet = sql.SQL(" AND ").join(sql.SQL("{} = ''").format(c) for c in status)
    insert = sql.SQL("INSERT INTO {} ").format(sql.Identifier(target))
    with connection.cursor() as cursor:
        rows = quiet if status else sql.SQL("TRUE")
        query = _check_sql(stage, rows_before, positions, today_iso, with_status=False, rows=rows)
        cursor.execute((insert + query).as_string())
        if cursor.rowcount < staged:
            rows = sql.SQL("NOT ({})").format(quiet)
            query = _check_sql(
                stage, rows_before, positions, today_iso, with_status=True, rows=rows
            )
            cursor.execute((insert + query).as_string())


def _check_sql(
    stage: str,
    rows_before: int,
    positions: dict[str, int],
    today_iso: str,
    *,
    with_status: bool,
    rows: sql.Composable,
) -> sql.Composed:
    """One pass over the staging rows matching `rows`: clean, convert, and name each row's
    problem; without `with_status`, the STATUS columns are taken as empty.

    Written as stacked subqueries (OFFSET 0 keeps PostgreSQL from merging them) so that
    every expression runs once per row, however often the next level refers to it.
    """
    columns: list[sql.Composable] = [
        sql.SQL("row_no + {} AS row_no").format(sql.Literal(rows_before))
    ]
    for column in COLUMNS:
        value: sql.Composable = sql.Literal("")
        if column.name in positions and (with_status or column.name not in STATUS):
            value = sql.Identifier(f"c{positions[column.name]}")
            if column.name in TRIMMED and column.name not in CODES:
                value = _trim_sql(value)
        columns.append(sql.SQL("{} AS {}").format(value, sql.Identifier(column.name)))
    soft = connection.pg_version >= 160000  # type: ignore[attr-defined]

    def to_date(raw: str, iso: str) -> sql.Composable:
        if soft:
            return _soft_date_sql(sql.Identifier(raw))
        return _date_sql(sql.Identifier(iso))

    def iso(raw: str) -> sql.Composable:
        return sql.SQL("NULL") if soft else _iso_sql(sql.Identifier(raw))

    def code(name: str) -> sql.Composable:
        return _code_sql(sql.Identifier(name), CODES[name])

    status: dict[str, sql.Composable] = dict(
        deceased=sql.SQL("false"),
        moved=sql.SQL("false"),
        died=sql.SQL("NULL::date"),
        moved_on=sql.SQL("NULL::date"),
        status_problems=sql.SQL(""),
    )
    if with_status:
        status = dict(
            deceased=sql.SQL("{} IS NOT NULL").format(code("deceased")),
            moved=sql.SQL("{} IS NOT NULL").format(code("moved")),
            died=to_date("death_raw", "died_iso"),
            moved_on=to_date("moved_raw", "moved_iso"),
            status_problems=sql.SQL(
                "WHEN death_raw <> '' "
                "AND (death_date IS NULL OR death_date > {today}::date) THEN 'death_date' "
                "WHEN moved_raw <> '' AND moved_out_on IS NULL THEN 'moved_on'"
            ).format(today=sql.Literal(today_iso)),
        )
    return sql.SQL(
        """
        SELECT row_no, nik, kk, full_name, birth_place, birth_date, sex, relationship,
               marital_status, mother_name, address, rt, rw, kecamatan_no, kelurahan_no,
               is_deceased, death_date, moved_out, moved_out_on,
               CASE WHEN NOT {nik_ok} THEN 'nik'
                    WHEN NOT {kk_ok} THEN 'kk'
                    WHEN full_name = '' THEN 'full_name'
                    WHEN birth_date IS NULL OR birth_date > {today}::date
                         OR birth_date < '1880-01-01' THEN 'birth_date'
                    WHEN sex IS NULL THEN 'sex'
                    {status_problems}
               END
        FROM (
            SELECT row_no, nik, kk, full_name, birth_place, {born} AS birth_date, sex,
                   relationship, marital_status, mother_name, address, rt, rw, kecamatan_no,
                   kelurahan_no, is_deceased, {died} AS death_date, death_raw, moved_out,
                   {moved_on} AS moved_out_on, moved_raw
            FROM (
                SELECT row_no, nik, kk, full_name, birth_place,
                       {born_iso} AS born_iso, birth_date AS born_raw,
                       {sex} AS sex, coalesce({relationship}, '') AS relationship,
                       marital_status, mother_name, address, rt, rw, kecamatan_no,
                       kelurahan_no, {deceased} AS is_deceased,
                       {died_iso} AS died_iso, death_date AS death_raw,
                       {moved} AS moved_out,
                       {moved_iso} AS moved_iso, moved_on AS moved_raw
                FROM (SELECT {columns} FROM {stage} WHERE {rows} OFFSET 0) trimmed
                OFFSET 0
            ) converted
            OFFSET 0
        ) typed
        """
    ).format(
        **status,
        today=sql.Literal(today_iso),
        nik_ok=_digits_sql(sql.Identifier("nik"), 16),
        kk_ok=_digits_sql(sql.Identifier("kk"), 16),
        born=to_date("born_raw", "born_iso"),
        born_iso=iso("birth_date"),
        died_iso=iso("death_date"),
        moved_iso=iso("moved_on"),
        sex=code("sex"),
        relationship=code("relationship"),
        columns=sql.SQL(", ").join(columns),
        stage=sql.Identifier(stage),
        rows=rows,
    )


def _clean(target: str) -> tuple[int, list[BadRow]]:
    """Delete the rows whose values are refused; return how many and (the first of) them.

    The table is analyzed meanwhile, for the columns that matching looks rows up by (the few
    rows being deleted make no difference to its statistics).
    """
    t = sql.Identifier(target)
    removed: list[list[tuple[int, str, int]]] = []

    def remove() -> None:
        removed.append(
            _execute(
                sql.SQL(
                    "WITH removed AS (DELETE FROM {} WHERE problem IS NOT NULL "
                    "RETURNING row_no, problem) "
                    "SELECT row_no, problem, count(*) OVER () FROM removed ORDER BY row_no LIMIT {}"
                ).format(t, sql.Literal(MAX_REPORTED_ROWS))
            )
        )

    def analyze() -> None:
        columns = sql.SQL(", ").join(map(sql.Identifier, ANALYZED))
        _execute(sql.SQL("ANALYZE {} ({})").format(t, columns))

    _in_parallel([remove, analyze])
    rows = removed[0]
    if not rows:
        return 0, []
    return int(rows[0][2]), [BadRow(int(n) + 1, PROBLEM_COLUMN[p], p) for n, p, _ in rows]


def _build(statement: sql.Composable) -> list[BadRow]:
    """Build an index (see `_index`); no row is refused."""
    _execute(sql.SQL("SET LOCAL synchronous_commit = off"))
    _execute(sql.SQL("SET LOCAL maintenance_work_mem = {}").format(sql.Literal(INDEX_SORT_MEMORY)))
    _execute(statement)
    return []


def _unique_nik(target: str) -> list[BadRow]:
    """The unique index on NIK: a NIK is one person, so later rows repeating one are refused."""
    t = sql.Identifier(target)
    unique = sql.SQL("CREATE UNIQUE INDEX {} ON {} (nik text_pattern_ops)").format(
        sql.Identifier(f"{target}_nik"), t
    )
    try:
        with transaction.atomic():
            return _build(unique)
    except IntegrityError:
        rows = _execute(
            sql.SQL(
                """
                DELETE FROM {t} WHERE row_no IN (
                    SELECT row_no FROM (
                        SELECT row_no, row_number() OVER (PARTITION BY nik ORDER BY row_no) AS n
                        FROM {t}
                    ) numbered WHERE n > 1
                ) RETURNING row_no
                """
            ).format(t=t)
        )
        _build(unique)
        return [BadRow(int(n) + 1, "NIK", "duplicate_nik") for (n,) in rows]


def _index(target: str) -> list[BadRow]:
    """Index the table (refusing repeated NIKs); return the refused rows.

    The three indexes are built at once, without waiting for their WAL to be flushed (the
    extract's activation will). NIK and No. KK are indexed with text_pattern_ops: sorted by
    bytes, not by the database's collation, which is twice as slow to sort by; matching only
    compares them for equality, which such an index serves as well, and the columns keep the
    collation of the registry's NIKs, so that its index serves lookups the other way round.

    Each build sorts in runs of INDEX_SORT_MEMORY that it merges from temporary files:
    measured on a million rows, that is up to twice as fast as one sort in memory, whose
    comparisons of keys too alike for PostgreSQL's abbreviated keys keep missing the CPU
    cache. So little memory also keeps PostgreSQL from giving a build parallel workers,
    which would compete with the other builds for the cores.
    """
    t = sql.Identifier(target)
    refused = _in_parallel(
        [
            functools.partial(_unique_nik, target),
            functools.partial(
                _build,
                sql.SQL("CREATE INDEX {} ON {} (birth_date, sex)").format(
                    sql.Identifier(f"{target}_born"), t
                ),
            ),
            functools.partial(
                _build,
                sql.SQL("CREATE INDEX {} ON {} (kk text_pattern_ops)").format(
                    sql.Identifier(f"{target}_kk"), t
                ),
            ),
        ]
    )
    return [bad for found in refused for bad in found]
