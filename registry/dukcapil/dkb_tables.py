"""Tables of DKB extracts: one per extract, loaded by COPY and checked in one SQL pass.

Loading a million-row CSV runs at PostgreSQL's speed, not Python's: the file is streamed
unparsed into an UNLOGGED staging table of text columns, then one INSERT ... SELECT
cleans every row into the extract's own table and names the problem of each bad row
(bad rows are reported with their row number and deleted before the table is used).
Only when a file's structure is broken (a row with the wrong number of columns, text
that is not UTF-8) does a slower Python pass split good rows from bad ones.

Row numbers are those a spreadsheet shows: the header is row 1, the first person row 2.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
from django.db import IntegrityError, connection, connections, transaction
from psycopg import sql

STAGE_PREFIX = "dukcapil_dkbstage_"
TABLE_PREFIX = "dukcapil_dkb_"
BLOCK_BYTES = 1 << 20
MAX_REPORTED_ROWS = 1000
# The checking INSERT runs as this many statements at once (one per core).
PARTS = 2
DELIMITERS = (",", ";", "|", "\t")


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


def table_name(extract_id: int) -> str:
    return f"{TABLE_PREFIX}{int(extract_id)}"


def stage_name(extract_id: int) -> str:
    return f"{STAGE_PREFIX}{int(extract_id)}"


def _execute(query: sql.Composable, params: Sequence[Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(), params)
        return cursor.fetchall() if cursor.description else None


def drop_tables(extract_id: int) -> None:
    """Drop an extract's table and any staging left from an interrupted load."""
    for name in (table_name(extract_id), stage_name(extract_id)):
        _execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))


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
    drop_tables(extract_id)
    stage, target = stage_name(extract_id), table_name(extract_id)
    clock = _Clock()
    with path.open("rb") as handle:
        delimiter, names, positions = parse_header(handle.readline())
        body_start = handle.tell()
        _create_stage(stage, len(names))
        report(0.05)
        structural: list[BadRow] = []
        fallback = False
        try:
            with transaction.atomic():
                _copy_fast(stage, len(names), handle, delimiter)
        except psycopg.DataError:
            # A broken row (column count, quoting, bytes that are not UTF-8) stops COPY, and
            # atomic() has rolled its rows back: sort the file out row by row instead.
            fallback = True
            handle.seek(body_start)
            with transaction.atomic():
                structural = _copy_checked(stage, len(names), handle, delimiter)
    clock.lap("copy")
    report(0.5)
    _transform(stage, target, positions, today_iso)
    _execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(stage)))
    clock.lap("check")
    report(0.8)
    bad_count, reported = _remove_bad_rows(target)
    clock.lap("clean")
    report(0.9)
    duplicates = _index(target)
    clock.lap("index")
    report(1.0)
    rows = _execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(target)))[0][0]
    every = sorted([*structural, *reported, *duplicates], key=lambda bad: bad.row)
    return LoadResult(
        rows=int(rows),
        bad_rows=len(structural) + bad_count + len(duplicates),
        reported=every[:MAX_REPORTED_ROWS],
        structural_fallback=fallback,
        seconds=clock.laps,
    )


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def _create_stage(stage: str, width: int) -> None:
    columns = sql.SQL(", ").join(
        sql.SQL("{} text").format(sql.Identifier(f"c{i}")) for i in range(width)
    )
    _execute(
        sql.SQL(
            "CREATE UNLOGGED TABLE {} (row_no bigint GENERATED BY DEFAULT AS IDENTITY, {})"
        ).format(sql.Identifier(stage), columns)
    )


def _copy_statement(stage: str, width: int, *, delimiter: str | None) -> sql.Composed:
    """COPY the file as CSV (`delimiter`), or rows written one by one (None: text format)."""
    names = [sql.Identifier(f"c{i}") for i in range(width)]
    if delimiter is None:
        return sql.SQL("COPY {} (row_no, {}) FROM STDIN").format(
            sql.Identifier(stage), sql.SQL(", ").join(names)
        )
    return sql.SQL(
        "COPY {} ({}) FROM STDIN WITH (FORMAT csv, DELIMITER {}, ENCODING 'UTF8')"
    ).format(sql.Identifier(stage), sql.SQL(", ").join(names), sql.Literal(delimiter))


def _copy_fast(stage: str, width: int, handle: IO[bytes], delimiter: str) -> None:
    statement = _copy_statement(stage, width, delimiter=delimiter)
    # No progress report while COPY runs: the connection serves nothing else meanwhile.
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        while block := handle.read(BLOCK_BYTES):
            copy.write(block)


def _copy_checked(stage: str, width: int, handle: IO[bytes], delimiter: str) -> list[BadRow]:
    """Python pass: rows with the wrong number of columns or bad bytes are reported, not loaded."""
    _execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(stage)))
    statement = _copy_statement(stage, width, delimiter=None)
    text = io.TextIOWrapper(handle, encoding="utf-8", errors="replace", newline="")
    lines = (line.replace("\0", "\ufffd") for line in text)
    bad: list[BadRow] = []
    decoder_marker = "\ufffd"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
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
    return bad


# PostgreSQL's regular expressions cost microseconds a row; a million rows need the cheap
# string functions below (LIKE shapes, translate to find non-digits, integer ranges).
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
    return sql.SQL("(length({v}) = {n} AND translate({v}, '0123456789', '') = '')").format(
        v=value, n=sql.Literal(length)
    )


def _transform(stage: str, target: str, positions: dict[str, int], today_iso: str) -> None:
    """One pass over the staging rows: clean, convert, and name each row's problem.

    Written as stacked subqueries (OFFSET 0 keeps PostgreSQL from merging them) so that
    every expression runs once per row, however often the next level refers to it.
    """
    trimmed: list[sql.Composable] = [sql.SQL("row_no")]
    for column in COLUMNS:
        value: sql.Composable = sql.Literal("")
        if column.name in positions:
            pattern = "coalesce(btrim({}), '')" if column.name in TRIMMED else "coalesce({}, '')"
            value = sql.SQL(pattern).format(sql.Identifier(f"c{positions[column.name]}"))
        trimmed.append(sql.SQL("{} AS {}").format(value, sql.Identifier(column.name)))
    soft = connection.pg_version >= 160000  # type: ignore[attr-defined]

    def to_date(raw: str, iso: str) -> sql.Composable:
        if soft:
            return _soft_date_sql(sql.Identifier(raw))
        return _date_sql(sql.Identifier(iso))

    relationship_cases = sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN {}").format(sql.Literal(k), sql.Literal(v))
        for k, v in RELATIONSHIP_CODES.items()
    )
    template = sql.SQL(
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
                    WHEN death_raw <> ''
                         AND (death_date IS NULL OR death_date > {today}::date) THEN 'death_date'
                    WHEN moved_raw <> '' AND moved_out_on IS NULL THEN 'moved_on'
               END
        FROM (
            SELECT row_no, nik, kk, full_name, birth_place, {born} AS birth_date, sex,
                   relationship, marital_status, mother_name, address, rt, rw, kecamatan_no,
                   kelurahan_no, is_deceased, {died} AS death_date, death_raw, moved_out,
                   {moved_on} AS moved_out_on, moved_raw
            FROM (
                SELECT row_no, nik, kk, full_name, birth_place,
                       {born_iso} AS born_iso, birth_date AS born_raw,
                       CASE WHEN upper(sex) IN ({male}) THEN 'M'
                            WHEN upper(sex) IN ({female}) THEN 'F' END AS sex,
                       CASE WHEN relationship IN ({codes}) THEN relationship
                            ELSE CASE upper(relationship) {rel_cases} ELSE '' END
                       END AS relationship,
                       marital_status, mother_name, address, rt, rw, kecamatan_no,
                       kelurahan_no, upper(deceased) IN ({true}) AS is_deceased,
                       {died_iso} AS died_iso, death_date AS death_raw,
                       upper(moved) IN ({true}) AS moved_out,
                       {moved_iso} AS moved_iso, moved_on AS moved_raw
                FROM (
                    SELECT {trimmed} FROM {stage} WHERE row_no % {parts} = {part} OFFSET 0
                ) trimmed
                OFFSET 0
            ) converted
            OFFSET 0
        ) typed
        """
    )
    values = dict(
        today=sql.Literal(today_iso),
        nik_ok=_digits_sql(sql.Identifier("nik"), 16),
        kk_ok=_digits_sql(sql.Identifier("kk"), 16),
        codes=sql.SQL(", ").join(sql.Literal(str(code)) for code in range(1, 12)),
        born=to_date("born_raw", "born_iso"),
        died=to_date("death_raw", "died_iso"),
        moved_on=to_date("moved_raw", "moved_iso"),
        born_iso=_iso_sql(sql.Identifier("birth_date")) if not soft else sql.SQL("NULL"),
        died_iso=_iso_sql(sql.Identifier("death_date")) if not soft else sql.SQL("NULL"),
        moved_iso=_iso_sql(sql.Identifier("moved_on")) if not soft else sql.SQL("NULL"),
        male=sql.SQL(", ").join(map(sql.Literal, MALE)),
        female=sql.SQL(", ").join(map(sql.Literal, FEMALE)),
        rel_cases=relationship_cases,
        true=sql.SQL(", ").join(map(sql.Literal, TRUE_STATUS)),
        trimmed=sql.SQL(", ").join(trimmed),
        stage=sql.Identifier(stage),
        parts=sql.Literal(PARTS),
    )
    _execute(
        sql.SQL(
            """
            CREATE TABLE {target} (
                row_no bigint NOT NULL, nik text, kk text, full_name text, birth_place text,
                birth_date date, sex text, relationship text, marital_status text,
                mother_name text, address text, rt text, rw text, kecamatan_no text,
                kelurahan_no text, is_deceased boolean, death_date date, moved_out boolean,
                moved_out_on date, problem text
            )
            """
        ).format(target=sql.Identifier(target))
    )
    insert = sql.SQL("INSERT INTO {} ").format(sql.Identifier(target))
    parts = [insert + template.format(**values, part=sql.Literal(k)) for k in range(PARTS)]
    _in_parallel(parts, setup=sql.SQL("SET LOCAL datestyle = 'ISO, DMY'"))


def _in_parallel(statements: Sequence[sql.Composable], *, setup: sql.Composable) -> None:
    """Run independent statements at once, each on a connection of its own, so that both
    cores work; inside a caller's transaction (a test) one after the other instead, since
    other connections would not see its uncommitted tables."""

    def run(statement: sql.Composable) -> None:
        try:
            with transaction.atomic():
                _execute(setup)
                _execute(statement)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()

    if connection.in_atomic_block:
        for statement in statements:
            run(statement)
        return
    with ThreadPoolExecutor(max_workers=len(statements)) as pool:
        for future in [pool.submit(run, statement) for statement in statements]:
            future.result()


def _remove_bad_rows(target: str) -> tuple[int, list[BadRow]]:
    """Report (the first rows of) and delete the rows whose values are refused."""
    rows = _execute(
        sql.SQL(
            "SELECT row_no, problem, count(*) OVER () FROM {} WHERE problem IS NOT NULL "
            "ORDER BY row_no LIMIT {}"
        ).format(sql.Identifier(target), sql.Literal(MAX_REPORTED_ROWS))
    )
    if not rows:
        return 0, []
    _execute(sql.SQL("DELETE FROM {} WHERE problem IS NOT NULL").format(sql.Identifier(target)))
    return int(rows[0][2]), [BadRow(int(n) + 1, PROBLEM_COLUMN[p], p) for n, p, _ in rows]


def _index(target: str) -> list[BadRow]:
    """Index the table; a NIK is one person, so later rows repeating a NIK are refused."""
    t = sql.Identifier(target)
    unique = sql.SQL("CREATE UNIQUE INDEX {} ON {} (nik)").format(
        sql.Identifier(f"{target}_nik"), t
    )
    duplicates: list[BadRow] = []
    with transaction.atomic():
        _execute(sql.SQL("SET LOCAL maintenance_work_mem = '256MB'"))
        try:
            with transaction.atomic():
                _execute(unique)
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
            duplicates = [BadRow(int(n) + 1, "NIK", "duplicate_nik") for (n,) in rows]
            _execute(unique)
    _in_parallel(
        [
            sql.SQL("CREATE INDEX {} ON {} (birth_date, sex)").format(
                sql.Identifier(f"{target}_born"), t
            ),
            sql.SQL("CREATE INDEX {} ON {} (kk)").format(sql.Identifier(f"{target}_kk"), t),
        ],
        setup=sql.SQL("SET LOCAL maintenance_work_mem = '256MB'"),
    )
    _execute(sql.SQL("ANALYZE {}").format(t))
    return duplicates
