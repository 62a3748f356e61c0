"""Import of DTSEN desil rankings: nik or no_kk, desil, periode (one row per ranking).

A ranking is identified by (period, NIK, No. KK); importing the same one again changes
nothing, a different desil for it corrects that quarter's value. Rows that match nobody in
the registry are kept (they match when the person or card is registered later); the
households that match get their current desil from their latest period (`registry.dtsen`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.dtsen import (
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
    one_row,
    run,
    sql_message,
    staged_issues,
)
from registry.imports.columns import DESIL_COLUMNS, Column
from registry.imports.readers import SheetRow
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

STAGE = (
    "DROP TABLE IF EXISTS import_desil, import_issue",
    """
    CREATE TEMP TABLE import_desil (
        row_no integer NOT NULL, key text, bad boolean NOT NULL, error_column text, error text,
        nik text, kk text, desil smallint, period text,
        record_id bigint, record_desil smallint, skip boolean NOT NULL DEFAULT false,
        chunk integer NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TEMP TABLE import_issue (
        row_no integer NOT NULL, kk text, column_name text NOT NULL, reason text NOT NULL
    )
    """,
)
CHECKS = (
    "UPDATE import_desil SET nik = coalesce(nik, ''), kk = coalesce(kk, '') WHERE NOT bad",
    # The same ranking twice in the file: every later row is refused.
    """
    INSERT INTO import_issue (row_no, column_name, reason)
    SELECT d.row_no, %(col_desil)s, replace(%(msg_twice)s, '{row}', d.first_row::text)
    FROM (
        SELECT row_no,
            first_value(row_no) OVER (PARTITION BY period, nik, kk ORDER BY row_no) AS first_row
        FROM import_desil WHERE NOT bad
    ) d
    WHERE d.row_no <> d.first_row
    """,
    """
    UPDATE import_desil d SET record_id = r.id, record_desil = r.desil
    FROM registry_desilrecord r
    WHERE NOT d.bad AND r.period = d.period AND r.nik = d.nik AND r.kk_number = d.kk
    """,
    """
    UPDATE import_desil SET skip = true
    WHERE bad OR row_no IN (SELECT row_no FROM import_issue)
    """,
)
WRITE = """
    INSERT INTO registry_desilrecord (nik, kk_number, desil, period, job_id, created_at)
    SELECT nik, kk, desil, period, %(job)s, %(now)s
    FROM import_desil
    WHERE chunk = %(chunk)s AND NOT skip AND record_desil IS DISTINCT FROM desil
    ORDER BY row_no
    ON CONFLICT (period, nik, kk_number)
    DO UPDATE SET desil = EXCLUDED.desil, job_id = EXCLUDED.job_id
    WHERE registry_desilrecord.desil <> EXCLUDED.desil
"""


class DesilImport(ImportKind):
    key = "desil"
    label = _("DTSEN desil")
    permission = "registry.add_desilrecord"
    staging_table = "import_desil"
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
        try:
            desil = parse_whole(require(cells[positions["desil"]]), low=1, high=10)
        except CellError as error:
            issues.append(Issue(row.number, header("desil"), error.message))
        try:
            period = parse_period(require(cells[positions["periode"]]), today=ctx.today)
        except CellError as error:
            issues.append(Issue(row.number, header("periode"), error.message))
        if issues:
            return Checked(None, None, issues)
        nik = found["nik"].nik if "nik" in found else None
        kk = found["no_kk"].kk if "no_kk" in found else None
        return Checked(None, [nik, kk, desil, period], issues)

    def create_staging(self, cursor: CursorWrapper) -> None:
        run(cursor, STAGE, {})

    def check(self, cursor: CursorWrapper, ctx: ImportContext) -> None:
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
            },
        )

    def issues(self, cursor: CursorWrapper, ctx: ImportContext) -> list[Issue]:
        return staged_issues(cursor, "import_desil")

    def counts(self, cursor: CursorWrapper) -> dict[str, int]:
        return one_row(
            cursor,
            """
            SELECT
                count(*) FILTER (WHERE NOT skip AND record_id IS NULL) AS desil_new,
                count(*) FILTER (WHERE NOT skip AND record_desil <> desil) AS desil_updated,
                count(*) FILTER (WHERE NOT skip AND record_desil = desil) AS desil_unchanged,
                count(DISTINCT row_no) FILTER (WHERE skip) AS rows_skipped,
                count(*) FILTER (
                    WHERE NOT skip
                    AND NOT EXISTS (SELECT 1 FROM registry_person p WHERE p.nik = d.nik)
                    AND NOT EXISTS (
                        SELECT 1 FROM registry_familycard c
                        WHERE c.number = d.kk AND c.valid_to IS NULL
                    )
                ) AS desil_unmatched
            FROM import_desil d
            """,
        )

    def chunks(self, cursor: CursorWrapper) -> list[tuple[int, int]]:
        cursor.execute(
            """
            UPDATE import_desil a SET chunk = r.n / %(size)s
            FROM (SELECT row_no, row_number() OVER (ORDER BY row_no) - 1 AS n
                  FROM import_desil WHERE NOT skip) r
            WHERE r.row_no = a.row_no AND NOT a.skip
            """,
            {"size": ROWS_PER_CHUNK},
        )
        cursor.execute(
            "SELECT chunk, count(*) FROM import_desil WHERE NOT skip GROUP BY chunk ORDER BY chunk"
        )
        return [(int(chunk), int(size)) for chunk, size in cursor.fetchall()]

    def write_chunk(self, cursor: CursorWrapper, chunk: int, ctx: ImportContext) -> None:
        cursor.execute(WRITE, {"chunk": chunk, "job": ctx.job_id, "now": timezone.now()})

    def finish(self, cursor: CursorWrapper, ctx: ImportContext) -> None:
        # Records written by this job: match the new ones, then refresh every household
        # whose records changed (a corrected desil of an already matched record too).
        desil_records_match(job_id=ctx.job_id)
        cursor.execute(
            """
            SELECT DISTINCT household_id FROM registry_desilrecord
            WHERE job_id = %s AND household_id IS NOT NULL
            """,
            [ctx.job_id],
        )
        household_desil_refresh(household_ids=[row[0] for row in cursor.fetchall()])
        cursor.execute(
            "SELECT DISTINCT period FROM registry_desilrecord WHERE job_id = %s ORDER BY 1",
            [ctx.job_id],
        )
        periods = tuple(row[0] for row in cursor.fetchall())
        if periods:
            quarter_imported_notify(
                QuarterImported(periods=periods, job_id=ctx.job_id, actor=ctx.actor)
            )

    def drop(self, cursor: CursorWrapper) -> None:
        cursor.execute("DROP TABLE IF EXISTS import_desil, import_issue")
