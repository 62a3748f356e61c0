"""Import of DTSEN desil rankings: nik or no_kk, desil, periode (one row per ranking).

A ranking holds from its quarter until a later one of the same NIK and No. KK replaces it
(`registry.dtsen`): a row whose desil is the one already in force for its quarter changes
nothing and is not written; a different desil is written from that quarter on (a row of a
quarter already recorded corrects it). Correcting a quarter before the latest one imported
leaves the following quarter as it was: the value in force there is written for it too,
unless the file gives that quarter itself. Rows that match nobody in the registry are kept
(they match when the person or card is registered later); the households whose rankings
changed get their desil again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.dtsen import (
    LINK_KEPT,
    LINKED_HOUSEHOLD,
    LINKED_PERSON,
    NEXT_PERIOD,
    QuarterImported,
    desil_records_match,
    household_desil_refresh,
    quarter_imported_notify,
)
from registry.imports.base import (
    Checked,
    ImportContext,
    ImportKind,
    Issue,
    Prepared,
    one_row,
    run,
    sql_message,
    staged_issues,
)
from registry.imports.columns import DESIL_COLUMNS, Column
from registry.imports.desil_judge import quarter_judge
from registry.imports.readers import Sheet, SheetRow
from registry.imports.values import (
    CellError,
    identifier_kk,
    identifier_nik,
    parse_period,
    parse_whole,
    require,
)

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

ROWS_PER_CHUNK = 50_000
# The checks hash the stored rankings and sort the staged rows joined with them: for a city's
# quarter (two million rows) a few hundred MB, which the import's usual memory would spill to
# temporary files; this much only for the checks' own transaction.
CHECK_WORK_MEM = "256MB"

STAGE = (
    "DROP TABLE IF EXISTS import_desil, import_ranking, import_issue",
    """
    CREATE TEMP TABLE import_desil (
        row_no integer NOT NULL, key text, bad boolean NOT NULL, error_column text, error text,
        nik text, kk text, desil smallint, period text
    )
    """,
    """
    CREATE TEMP TABLE import_issue (
        row_no integer NOT NULL, kk text, column_name text NOT NULL, reason text NOT NULL
    )
    """,
)
# As the households import does: checks are whole-table statements, and the rows to write
# are built once with CREATE TABLE AS, joined once with the stored rankings (the ranking in
# force for the row's quarter), never by updating every staging row. Only the rows to write are
# linked to the registry (the person holding the NIK, the household holding the No. KK as its
# open card; `registry.dtsen.LINKED_PERSON`): a quarter repeats most rankings unchanged, and
# those are neither written nor linked. One sort of the staged rows (joined with the
# stored rankings) by ranking finds each row's ranking in force and the rankings given twice
# (every later row is refused); the write chunks are ranges of row numbers, so no second
# sort numbers the rows.
#
# `held_desil` is the value in force for the row's quarter before the import (the quarter's
# own record, `record_id`, or an earlier one); only rows that change it are written. A file
# of several quarters writes each of its rows (a later quarter of the file may return to the
# value before an earlier one changed it): a record equal to the one before it is harmless.
# `restore_desil`: a row that changes a quarter before the latest imported one, when the next
# quarter has no record of its own and the file does not give it, keeps that next quarter's
# value by a record of its own.
CHECKS = (
    "DROP TABLE IF EXISTS import_ranking",
    f"""
    CREATE TEMP TABLE import_ranking AS
    SELECT d.*,
        CASE WHEN d.write THEN {LINKED_PERSON.format(nik="d.nik")} END AS person_id,
        CASE WHEN d.write THEN {LINKED_HOUSEHOLD.format(nik="d.nik", kk="d.kk")} END
            AS household_id,
        CASE WHEN NOT d.skip AND d.period < %(latest)s AND d.held_desil <> d.desil
            AND NOT EXISTS (
                SELECT 1 FROM registry_desilrecord n
                WHERE n.nik = d.nik AND n.kk_number = d.kk AND n.period = d.next_period)
            AND NOT EXISTS (
                SELECT 1 FROM import_desil f
                WHERE NOT f.bad AND coalesce(f.nik, '') = d.nik AND coalesce(f.kk, '') = d.kk
                  AND f.period = d.next_period)
        THEN d.held_desil END AS restore_desil
    FROM (
        SELECT d.*, NOT d.skip AND (%(several)s OR d.held_desil IS DISTINCT FROM d.desil) AS write
        FROM (
            SELECT d.row_no, d.nik, d.kk, d.desil, d.period, d.bad, d.first_row,
                {NEXT_PERIOD.format(period="d.period")} AS next_period,
                CASE WHEN d.held_period = d.period THEN d.held_id END AS record_id,
                CASE WHEN d.held_period = d.period THEN d.held_desil END AS record_desil,
                d.held_desil,
                d.bad OR d.first_row <> d.row_no AS skip,
                d.row_no / %(rows_per_chunk)s AS chunk
            FROM (
                SELECT d.*, CASE WHEN d.bad THEN d.row_no ELSE first_value(d.row_no) OVER (
                    PARTITION BY d.bad, d.period, d.nik, d.kk ORDER BY d.row_no
                ) END AS first_row
                FROM (
                    -- Each row's ranking in force: the latest stored one of its NIK and No. KK
                    -- up to its quarter, by one join of the file with the stored rankings (a
                    -- probe per row costs more for a city's file), sorted once for this and
                    -- the window.
                    SELECT DISTINCT ON (s.bad, s.period, s.nik, s.kk, s.row_no) s.*,
                        r.id AS held_id, r.desil AS held_desil, r.period AS held_period
                    FROM (
                        SELECT row_no, bad, coalesce(nik, '') AS nik, coalesce(kk, '') AS kk,
                            desil, period
                        FROM import_desil
                    ) s
                    LEFT JOIN registry_desilrecord r ON NOT s.bad AND r.nik = s.nik
                        AND r.kk_number = s.kk AND r.period <= s.period
                    ORDER BY s.bad, s.period, s.nik, s.kk, s.row_no, r.period DESC NULLS LAST
                ) d
            ) d
        ) d
    ) d
    """,  # noqa: S608 - built from constants of registry.dtsen
    # The same ranking twice in the file: every later row is refused.
    """
    INSERT INTO import_issue (row_no, column_name, reason)
    SELECT row_no, %(col_desil)s, replace(%(msg_twice)s, '{row}', first_row::text)
    FROM import_ranking WHERE NOT bad AND first_row <> row_no
    """,
    "CREATE INDEX ON import_ranking (chunk) WHERE write",
    "ANALYZE import_ranking (chunk, skip, write, record_id, person_id, household_id)",
)
# A ranking is written already linked to the registry (`registry.dtsen`'s rule, on the
# staged rows); matching later only tries those that matched nobody.
WRITE = f"""
    INSERT INTO registry_desilrecord AS r (
        nik, kk_number, desil, period, person_id, household_id, job_id, created_at
    )
    SELECT nik, kk, desil, period, person_id, household_id, %(job)s, %(now)s
    FROM import_ranking
    WHERE chunk = %(chunk)s AND write
    UNION ALL
    SELECT nik, kk, restore_desil, next_period, person_id, household_id, %(job)s, %(now)s
    FROM import_ranking
    WHERE chunk = %(chunk)s AND write AND restore_desil IS NOT NULL
    ON CONFLICT (period, nik, kk_number)
    DO UPDATE SET desil = EXCLUDED.desil, job_id = EXCLUDED.job_id, {LINK_KEPT}
    WHERE r.desil <> EXCLUDED.desil
"""  # noqa: S608 - built from constants of registry.dtsen


def _desil(text: str, *, today: date) -> int:
    return parse_whole(text, low=1, high=10)


class DesilImport(ImportKind):
    key = "desil"
    label = _("DTSEN desil")
    permission = "registry.add_desilrecord"
    staging_table = "import_desil"
    # The keys the staged rows are joined on with the registry.
    analyze_columns: ClassVar[tuple[str, ...]] = ("row_no", "bad", "nik", "kk", "period")
    prepared_columns: ClassVar[tuple[str, ...]] = (
        "row_no",
        "key",
        "bad",
        "error_column",
        "error",
        "nik",
        "kk",
        "desil",
        "period",
    )

    def columns(self) -> Sequence[Column]:
        return DESIL_COLUMNS

    def check_row(self, row: SheetRow, ctx: ImportContext) -> Checked:
        cells, positions, numeric = row.values, ctx.layout.positions, row.numeric
        issues: list[Issue] = []
        found: dict[str, Any] = {}
        header = ctx.layout.header

        for name, parse in (("nik", identifier_nik), ("no_kk", identifier_kk)):
            position = positions.get(name)
            if position is None:
                continue
            raw, is_number = cells[position], position in numeric
            if raw.strip() or is_number:
                try:
                    found[name] = parse(raw, numeric=is_number, today=ctx.today)
                except CellError as error:
                    issues.append(Issue(row.number, header(name), error.message))
        if not found and not issues:
            column = header("nik") if "nik" in positions else header("no_kk")
            message = _("Give the NIK or the No. KK of the ranking.")
            issues.append(Issue(row.number, column, str(message)))
        # A quarter's file repeats a few desil and period values on every row: each one
        # written differently is parsed once per import (a refused one every time, for its
        # message).
        known: dict[tuple[str, str], Any] = ctx.extra.setdefault("known_cells", {})
        for name, read in (("desil", _desil), ("periode", parse_period)):
            raw = cells[positions[name]]
            value = known.get((name, raw))
            if value is None:
                try:
                    value = known[name, raw] = read(require(raw), today=ctx.today)
                except CellError as error:
                    issues.append(Issue(row.number, header(name), error.message))
            found[name] = value
        if issues:
            return Checked(None, None, issues)
        nik = found["nik"].nik if "nik" in found else None
        kk = found["no_kk"].kk if "no_kk" in found else None
        return Checked(None, [nik, kk, found["desil"], found["periode"]], issues)

    def prepare_in_database(
        self, sheet: Sheet, path: Path, ctx: ImportContext, load: CursorWrapper
    ) -> Prepared | None:
        """A plain CSV file is judged by its distinct values, with the parsers of
        `check_row` (`desil_judge`)."""
        parsers: dict[str, Callable[[str], Any]] = {
            "desil": lambda raw: _desil(require(raw), today=ctx.today),
            "periode": lambda raw: parse_period(require(raw), today=ctx.today),
        }
        return quarter_judge(self, sheet, path, ctx, load, parsers)

    def create_staging(self, cursor: CursorWrapper) -> None:
        run(cursor, STAGE, {})

    def check(self, cursor: CursorWrapper, ctx: ImportContext) -> None:
        cursor.execute(f"SET LOCAL work_mem = '{CHECK_WORK_MEM}'")
        # The quarters the file gives (kept for `finish`, which reports on each of them).
        cursor.execute("SELECT period FROM import_desil WHERE NOT bad GROUP BY 1 ORDER BY 1")
        periods = ctx.extra["file_periods"] = tuple(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT max(period) FROM registry_desilrecord")
        (latest,) = cursor.fetchone()
        run(
            cursor,
            CHECKS,
            {
                "col_desil": ctx.layout.header("desil"),
                "msg_twice": sql_message(
                    _(
                        "The same ranking (period and NIK / No. KK) is also given on row "
                        "%(row)s; give each once."
                    ),
                    "row",
                ),
                "rows_per_chunk": ROWS_PER_CHUNK,
                "several": len(periods) > 1,
                "latest": latest or "",
            },
        )

    def issues(self, cursor: CursorWrapper, ctx: ImportContext) -> list[Issue]:
        return staged_issues(cursor, "import_desil")

    def counts(self, cursor: CursorWrapper) -> dict[str, int]:
        return one_row(
            cursor,
            """
            SELECT
                count(*) FILTER (WHERE write AND record_id IS NULL) AS desil_new,
                count(*) FILTER (WHERE write AND record_desil <> desil) AS desil_updated,
                count(*) FILTER (
                    WHERE NOT skip AND NOT (write AND record_desil IS DISTINCT FROM desil)
                ) AS desil_unchanged,
                count(DISTINCT row_no) FILTER (WHERE skip) AS rows_skipped,
                count(*) FILTER (
                    WHERE write AND person_id IS NULL AND household_id IS NULL
                ) AS desil_unmatched
            FROM import_ranking
            """,
        )

    def chunks(self, cursor: CursorWrapper) -> list[tuple[int, int]]:
        # Every chunk of rows, written or not: a resumed job finds the rows it wrote unchanged
        # by then, and must number the chunks as the first run did.
        cursor.execute(
            "SELECT chunk, count(*) FROM import_ranking WHERE NOT skip GROUP BY 1 ORDER BY 1"
        )
        return [(int(chunk), int(size)) for chunk, size in cursor.fetchall()]

    def write_chunk(self, cursor: CursorWrapper, chunk: int, ctx: ImportContext) -> None:
        cursor.execute(WRITE, {"chunk": chunk, "job": ctx.job_id, "now": timezone.now()})

    def finish(self, cursor: CursorWrapper, ctx: ImportContext) -> None:
        # The rows were written linked to whoever held their NIK / No. KK when staged; those
        # that matched nobody then are tried again (the registry may have changed since). Read
        # from the job's records, not the staged rows: a resumed job finds the rows it wrote
        # before it stopped unchanged, so neither written nor linked this time.
        cursor.execute(
            """
            SELECT
                array_agg(DISTINCT nik) FILTER (WHERE person_id IS NULL AND nik <> ''),
                array_agg(DISTINCT kk_number) FILTER (
                    WHERE household_id IS NULL AND kk_number <> ''
                )
            FROM registry_desilrecord WHERE job_id = %s
            """,
            [ctx.job_id],
        )
        niks, kks = cursor.fetchone()
        # A quarter may add hundreds of thousands of rows: the statements below (and the
        # impact job) plan with the new period's counts, not with autovacuum's view from before.
        cursor.execute("ANALYZE registry_desilrecord")
        desil_records_match(niks=niks or [], kks=kks or [], job_id=ctx.job_id)
        # Then every household whose records changed (a corrected desil of an already
        # matched record too) gets its desil again.
        cursor.execute(
            """
            SELECT DISTINCT household_id FROM registry_desilrecord
            WHERE job_id = %s AND household_id IS NOT NULL
            """,
            [ctx.job_id],
        )
        household_desil_refresh(household_ids=[row[0] for row in cursor.fetchall()])
        # Every quarter the file gives is reported on, even one that changed no ranking (staff
        # still get its impact report), and so is every quarter the job wrote (a corrected
        # quarter's next one, kept as it was).
        cursor.execute(
            "SELECT DISTINCT period FROM registry_desilrecord WHERE job_id = %s",
            [ctx.job_id],
        )
        written = {row[0] for row in cursor.fetchall()}
        periods = tuple(sorted(written.union(ctx.extra.get("file_periods", ()))))
        if periods:
            quarter_imported_notify(
                QuarterImported(periods=periods, job_id=ctx.job_id, actor=ctx.actor)
            )

    def drop(self, cursor: CursorWrapper) -> None:
        cursor.execute("DROP TABLE IF EXISTS import_desil, import_ranking, import_issue")
