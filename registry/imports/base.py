"""What every import kind shares: the check-then-write pipeline over staging tables.

An import runs twice over the same file. The *preview* checks every row in Python (shapes,
NIK/KK, codes) and writes the clean rows, and one line per problem of a bad row, to a
*prepared* CSV file beside the upload. It then copies that file into temporary tables and
checks it against the registry in SQL (who exists, what would change), without writing.
The *commit* copies the prepared file in again, repeats the SQL checks (the registry may
have changed since), and writes set-based, chunk by chunk: a few statements per chunk of
families or rows, never one per row.

A kind (households, assessments, desil) says how to check one row, which staging tables it
needs, how to classify, and how to write one chunk.
"""

from __future__ import annotations

import csv
import io
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import billiard
from django.utils.functional import Promise

from registry.imports.columns import Column, Layout
from registry.imports.readers import Sheet, SheetRow
from registry.selectors import MASK_CHAR

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

    from depok_kds.models import User

# The preview checks rows in blocks (written to the file and the database together) and
# reports progress every few blocks.
BLOCK_ROWS = 1_000
BLOCKS_PER_REPORT = 10
COPY_BLOCK = 1 << 20
# From this many rows the Python check runs in a pool of processes (`processes`): below it,
# starting the pool costs more than it saves.
POOL_FROM = 10_000
# Blocks handed to the pool before the first is taken back: enough to keep every process
# busy, few enough that a large file is never all in memory at once.
BLOCKS_AHEAD = 16
STATISTICS_TARGET = 10
# The middle of a masked No. KK / NIK in SQL, as registry.selectors.mask_nik does it.
SQL_MASK = MASK_CHAR * 8


@dataclass(frozen=True)
class Issue:
    """One reason a row cannot be imported, where the clerk will look for it."""

    row: int
    column: str
    reason: str

    def as_error_row(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class ImportContext:
    """What checking and writing need besides the rows."""

    actor: User | None
    job_id: int
    today: date
    layout: Layout
    kelurahan_codes: frozenset[str] = frozenset()  # where the actor may register households
    extra: dict[str, Any] = field(default_factory=dict)


class Checked(NamedTuple):
    """One row after the Python check: its group key, clean values or its issues."""

    key: str | None  # what groups rows (a family's No. KK); None when it cannot be read
    values: list[Any] | None  # the staging values after (row, key, bad, column, reason)
    issues: list[Issue]
    warnings: int = 0


@dataclass
class Prepared:
    """What the Python pass over the file found."""

    rows: int = 0
    bad_rows: int = 0
    warnings: int = 0


class ImportKind(ABC):
    """One kind of import file: its columns, row check, staging SQL and writes."""

    key: ClassVar[str]
    label: ClassVar[str | Promise]
    permission: ClassVar[str]
    # Staging columns, in the order the prepared CSV file holds them.
    prepared_columns: ClassVar[tuple[str, ...]]
    staging_table: ClassVar[str]
    analyze_columns: ClassVar[tuple[str, ...]] = ("row_no", "bad")

    @abstractmethod
    def columns(self) -> Sequence[Column]: ...

    def context_extra(self) -> dict[str, Any]:
        """Anything the row check needs loaded once (the active ruleset, ...)."""
        return {}

    @abstractmethod
    def check_row(self, row: SheetRow, ctx: ImportContext) -> Checked:
        """Check one row; clean values follow `prepared_columns` after its first five."""

    @abstractmethod
    def create_staging(self, cursor: CursorWrapper) -> None:
        """Create the empty temporary tables (`staging_table` receives the prepared rows)."""

    @abstractmethod
    def check(self, cursor: CursorWrapper, ctx: ImportContext) -> None:
        """Run the SQL checks over the loaded staging table (inside a transaction)."""

    def stage(self, cursor: CursorWrapper, path: Path, ctx: ImportContext) -> None:
        """Load the prepared file into fresh staging tables and check it (in a transaction)."""
        self.create_staging(cursor)
        with path.open("rb") as handle, cursor.cursor.copy(self.copy_sql()) as copy:
            while block := handle.read(COPY_BLOCK):
                copy.write(block)
        self.loaded(cursor)
        self.check(cursor, ctx)

    def copy_sql(self) -> str:
        names = ", ".join(self.prepared_columns)
        return f"COPY {self.staging_table} ({names}) FROM STDIN (FORMAT csv)"

    def loaded(self, cursor: CursorWrapper) -> None:
        """Gather statistics of the loaded staging table (inside a transaction).

        Temporary tables get no autovacuum: without statistics the planner guesses badly. A
        small sample is enough for row counts and distinct keys.
        """
        cursor.execute("SET LOCAL default_statistics_target = %s", [STATISTICS_TARGET])
        columns = ", ".join(self.analyze_columns)
        cursor.execute(f"ANALYZE {self.staging_table} ({columns})")

    @abstractmethod
    def issues(self, cursor: CursorWrapper, ctx: ImportContext) -> list[Issue]:
        """Every problem found, by row; afterwards what a skipped group means."""

    @abstractmethod
    def counts(self, cursor: CursorWrapper) -> dict[str, int]:
        """What would be (or, during the commit, will now be) created, updated, unchanged."""

    @abstractmethod
    def chunks(self, cursor: CursorWrapper) -> list[tuple[int, int]]:
        """The chunks to write, in order: (chunk number, rows in it)."""

    @abstractmethod
    def write_chunk(self, cursor: CursorWrapper, chunk: int, ctx: ImportContext) -> None:
        """Write one chunk: a handful of set-based statements."""

    def finish(self, cursor: CursorWrapper, ctx: ImportContext) -> None:  # noqa: B027
        """Work after the last chunk (in the final transaction); none by default."""

    @abstractmethod
    def drop(self, cursor: CursorWrapper) -> None: ...

    # --- the Python pass ------------------------------------------------------------------

    def prepare(
        self,
        sheet: Sheet,
        path: Path,
        ctx: ImportContext,
        *,
        on_progress: Callable[[int], None] | None = None,
        load: CursorWrapper | None = None,
        processes: int = 1,
    ) -> Prepared:
        """Check every row of `sheet` and write the prepared CSV file to `path`.

        With `load` (a cursor whose staging tables exist) the rows are also copied into the
        staging table as they are checked: the database parses them on its own core while
        Python checks the next ones. The copy pauses at each progress report, because the
        report is a statement on the same connection. With more than one of `processes`,
        the rows are checked in a pool of that many (`checked_in_pool`).
        """
        if load is not None and (judged := self.prepare_in_database(sheet, path, ctx, load)):
            if on_progress is not None:
                on_progress(judged.rows)
            return judged
        summary = Prepared()
        tmp = path.with_suffix(".tmp")
        with ExitStack() as pool:
            if processes > 1:
                blocks = pool.enter_context(
                    checked_in_pool(self, sheet.rows(), ctx, summary, processes=processes)
                )
            else:
                blocks = self.prepared_blocks(sheet.rows(), ctx, summary)
            self._write_prepared(blocks, tmp, summary, on_progress=on_progress, load=load)
        tmp.replace(path)  # a killed worker never leaves a half-written prepared file
        return summary

    def _write_prepared(
        self,
        blocks: Iterator[str],
        tmp: Path,
        summary: Prepared,
        *,
        on_progress: Callable[[int], None] | None,
        load: CursorWrapper | None,
    ) -> None:
        """Write the prepared blocks to `tmp` (and copy them through `load`), reporting the
        rows checked so far every BLOCKS_PER_REPORT blocks."""
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            more = True
            while more:
                with ExitStack() as stack:
                    copy = stack.enter_context(load.cursor.copy(self.copy_sql())) if load else None
                    written = 0
                    for text in islice(blocks, BLOCKS_PER_REPORT):
                        handle.write(text)
                        if copy is not None:
                            copy.write(text)
                        written += 1
                    more = written == BLOCKS_PER_REPORT
                if on_progress is not None:
                    on_progress(summary.rows)

    def prepare_in_database(
        self, sheet: Sheet, path: Path, ctx: ImportContext, load: CursorWrapper
    ) -> Prepared | None:
        """Stage the file and write its prepared copy without checking it row by row in
        Python, where a kind can (None: it cannot for this file; nothing was done)."""
        return None

    def prepared_blocks(
        self, rows: Iterable[SheetRow], ctx: ImportContext, summary: Prepared
    ) -> Iterator[str]:
        """The prepared CSV text of `rows` (checked one by one), `BLOCK_ROWS` rows at a time."""
        padding = [None] * (len(self.prepared_columns) - 5)  # a bad row has no clean values
        buffer = io.StringIO()
        write = csv.writer(buffer).writerow
        for row in rows:
            summary.rows += 1
            checked = self.check_row(row, ctx)
            summary.warnings += checked.warnings
            if checked.values is not None:
                write([row.number, checked.key, "f", None, None, *checked.values])
            else:
                summary.bad_rows += 1
                for issue in checked.issues:
                    write([row.number, checked.key, "t", issue.column, issue.reason, *padding])
            if summary.rows % BLOCK_ROWS == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():
            yield buffer.getvalue()


# --- checking in a pool of processes ---------------------------------------------------------

# What a pool process checks with, given once as it starts (`_pool_start`).
_pool_kind: tuple[ImportKind, ImportContext] | None = None


def _pool_start(kind: ImportKind, ctx: ImportContext) -> None:
    global _pool_kind  # one per pool process, set once as it starts
    _pool_kind = (kind, ctx)


def _pool_check(rows: list[SheetRow]) -> tuple[str, Prepared]:
    """One block of rows checked in a pool process: its prepared text and its counts."""
    assert _pool_kind is not None  # noqa: S101 (set by the pool's initializer)
    kind, ctx = _pool_kind
    summary = Prepared()
    return "".join(kind.prepared_blocks(rows, ctx, summary)), summary


def _row_blocks(rows: Iterable[SheetRow]) -> Iterator[list[SheetRow]]:
    found = iter(rows)
    while block := list(islice(found, BLOCK_ROWS)):
        yield block


@contextmanager
def checked_in_pool(
    kind: ImportKind,
    rows: Iterable[SheetRow],
    ctx: ImportContext,
    summary: Prepared,
    *,
    processes: int,
) -> Iterator[Iterator[str]]:
    """`kind.prepared_blocks` of `rows`, the same text in the same order, checked in a pool
    of `processes` processes: the check is pure Python, which one process does on one core
    only, while reading the file, writing the prepared copy and the database's copy of it
    go on in this one. The pool ends with the block (stopped at once on an error).

    The pool's processes are forks of this one: they never use its database connection
    (checking a row reads no table), and the staging tables on it stay. (billiard, Celery's
    own multiprocessing, may start processes from a worker's process too.)"""
    pool = billiard.Pool(processes=processes, initializer=_pool_start, initargs=(kind, ctx))

    def blocks() -> Iterator[str]:
        pending: deque[Any] = deque()
        for block in _row_blocks(rows):
            pending.append(pool.apply_async(_pool_check, (block,)))
            if len(pending) >= BLOCKS_AHEAD:
                yield _taken(pending.popleft().get(), summary)
        while pending:
            yield _taken(pending.popleft().get(), summary)

    try:
        yield blocks()
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _taken(result: tuple[str, Prepared], summary: Prepared) -> str:
    text, counted = result
    summary.rows += counted.rows
    summary.bad_rows += counted.bad_rows
    summary.warnings += counted.warnings
    return text


def run(cursor: CursorWrapper, statements: Iterable[str], params: dict[str, Any]) -> None:
    for statement in statements:
        cursor.execute(statement, params)


def staged_issues(cursor: CursorWrapper, table: str) -> list[Issue]:
    """The refused rows of the staging `table` (a kind's own constant) and the problems the
    checks recorded in import_issue, by row."""
    cursor.execute(
        f"""
        SELECT row_no, error_column, error FROM {table} WHERE bad
        UNION ALL
        SELECT row_no, column_name, reason FROM import_issue
        ORDER BY 1
        """  # noqa: S608  (a table name of our own, never input)
    )
    return [Issue(row, column or "", reason) for row, column, reason in cursor.fetchall()]


def one_row(
    cursor: CursorWrapper, sql: str, params: dict[str, Any] | None = None
) -> dict[str, int]:
    cursor.execute(sql, params or {})
    names = [column.name for column in cursor.description]
    values = cursor.fetchone()
    return {name: int(value or 0) for name, value in zip(names, values, strict=True)}


def sql_message(message: Any, *markers: str) -> str:
    """A translated message with `{name}` markers, where SQL `replace()` puts row values."""
    if not markers:
        return str(message)
    return str(message % {name: "{" + name + "}" for name in markers})
