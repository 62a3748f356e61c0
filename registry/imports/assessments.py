"""Import of poverty assessments: a household (No. KK or registry number), a date, and one
column per parameter of the active ruleset holding the chosen option's code.

Each row is scored in Python with `registry.scoring` under the active ruleset, exactly as
a field visit would be, and stored with its answers, points and version (source "import").
The imported assessment becomes the household's current one; like a field visit, it may not
be older than the current one. Importing the same answers with the same date under the
same ruleset again is recognised and changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.errors import DomainError
from registry import scoring
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
from registry.imports.columns import Column, assessment_columns
from registry.imports.readers import SheetRow
from registry.imports.values import CellError, identifier_kk, parse_date, require
from registry.models import Assessment, Ruleset, current_assessments_sql
from registry.selectors import ruleset_active, ruleset_rules
from registry.services.assessments import contributions_json, no_active_ruleset

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

ROWS_PER_CHUNK = 20_000
_REGISTRY_NUMBER = re.compile(r"KDS-?(\d{1,7})")

STAGE = (
    "DROP TABLE IF EXISTS import_assessment, import_issue",
    """
    CREATE TEMP TABLE import_assessment (
        row_no integer NOT NULL, key text, bad boolean NOT NULL, error_column text, error text,
        kk text, registry_number text, assessed_on date, answers jsonb, score numeric(7, 2),
        max_score numeric(7, 2), poverty_class text, contributions jsonb,
        by_kk bigint, by_number bigint, household_id bigint, household_status text,
        current_on date, same_exists boolean NOT NULL DEFAULT false,
        skip boolean NOT NULL DEFAULT false, chunk integer NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TEMP TABLE import_issue (
        row_no integer NOT NULL, kk text, column_name text NOT NULL, reason text NOT NULL
    )
    """,
)
CHECKS = (
    """
    UPDATE import_assessment a SET by_kk = c.household_id
    FROM registry_familycard c WHERE c.number = a.kk AND c.valid_to IS NULL AND NOT a.bad
    """,
    """
    UPDATE import_assessment a SET by_number = h.id
    FROM registry_household h WHERE h.registry_number = a.registry_number AND NOT a.bad
    """,
    "UPDATE import_assessment SET household_id = coalesce(by_kk, by_number) WHERE NOT bad",
    """
    INSERT INTO import_issue (row_no, column_name, reason)
    SELECT row_no, CASE WHEN kk IS NOT NULL THEN %(col_kk)s ELSE %(col_number)s END,
        CASE WHEN by_kk IS NOT NULL AND by_number IS NOT NULL THEN %(msg_disagree)s
             WHEN kk IS NOT NULL THEN %(msg_no_kk)s ELSE %(msg_no_number)s END
    FROM import_assessment
    WHERE NOT bad AND (household_id IS NULL
        OR (by_kk IS NOT NULL AND by_number IS NOT NULL AND by_kk <> by_number)
        OR (kk IS NOT NULL AND by_kk IS NULL)
        OR (registry_number IS NOT NULL AND by_number IS NULL))
    """,
    f"""
    UPDATE import_assessment a SET household_status = h.status,
        current_on = (SELECT x.assessed_on FROM {current_assessments_sql("x", "p")}
                      WHERE p.household_id = h.id),
        same_exists = EXISTS (
            SELECT 1 FROM registry_assessment x
            WHERE x.household_id = h.id AND x.ruleset_id = %(ruleset)s
              AND x.assessed_on = a.assessed_on AND x.answers = a.answers)
    FROM registry_household h WHERE h.id = a.household_id
    """,  # noqa: S608 (no value in the SQL: every value is a bound parameter)
    """
    INSERT INTO import_issue (row_no, column_name, reason)
    SELECT row_no, %(col_kk)s, %(msg_dissolved)s FROM import_assessment
    WHERE household_status = 'dissolved'
    """,
    """
    INSERT INTO import_issue (row_no, column_name, reason)
    SELECT row_no, %(col_date)s, replace(%(msg_older)s, '{date}', current_on::text)
    FROM import_assessment WHERE NOT same_exists AND assessed_on < current_on
    """,
    # One assessment per household per file: every later row of the household is refused.
    """
    INSERT INTO import_issue (row_no, column_name, reason)
    SELECT d.row_no, %(col_kk)s, replace(%(msg_twice)s, '{row}', d.first_row::text)
    FROM (
        SELECT row_no, first_value(row_no) OVER (PARTITION BY household_id ORDER BY row_no)
            AS first_row
        FROM import_assessment WHERE household_id IS NOT NULL
    ) d
    WHERE d.row_no <> d.first_row
    """,
    """
    UPDATE import_assessment SET skip = true
    WHERE bad OR row_no IN (SELECT row_no FROM import_issue)
    """,
)
WRITES = (
    # The active ruleset must still be the one the rows were scored with.
    "SELECT id FROM registry_ruleset WHERE id = %(ruleset)s AND status = 'active' FOR SHARE",
)
WRITE_ROWS = (
    # The chunk's households first, in id order, as a form and a re-scoring chunk lock them.
    """
    SELECT count(*) FROM (
        SELECT h.id FROM registry_household h JOIN import_assessment a ON a.household_id = h.id
        WHERE a.chunk = %(chunk)s AND NOT a.skip AND NOT a.same_exists
        ORDER BY h.id FOR UPDATE OF h
    ) locked
    """,
    # The new rows become current: each household's mark moves to its row (or is made).
    """
    WITH written AS (
        INSERT INTO registry_assessment (household_id, ruleset_id, answers, score, max_score,
            poverty_class, contributions, source, assessor_id, assessed_on, created_at)
        SELECT household_id, %(ruleset)s, answers, score, max_score, poverty_class,
            contributions, %(source)s, %(actor)s, assessed_on, %(now)s
        FROM import_assessment
        WHERE chunk = %(chunk)s AND NOT skip AND NOT same_exists ORDER BY row_no
        RETURNING household_id, id
    )
    INSERT INTO registry_currentassessment (household_id, assessment_id)
    SELECT household_id, id FROM written
    ON CONFLICT (household_id) DO UPDATE SET assessment_id = EXCLUDED.assessment_id
    """,
    """
    UPDATE registry_household h
    SET poverty_class = a.poverty_class, poverty_score = a.score, assessed_on = a.assessed_on,
        updated_at = %(now)s
    FROM import_assessment a
    WHERE h.id = a.household_id AND a.chunk = %(chunk)s AND NOT a.skip AND NOT a.same_exists
    """,
    """
    INSERT INTO registry_householdevent (household_id, kind, details, actor_id, created_at)
    SELECT household_id, 'assessed',
        jsonb_build_object('poverty_class', poverty_class, 'score', score::text,
            'max_score', max_score::text, 'ruleset', %(version)s, 'source', %(source)s,
            'import_job', %(job)s),
        %(actor)s, %(now)s
    FROM import_assessment
    WHERE chunk = %(chunk)s AND NOT skip AND NOT same_exists
    """,
)


def active_ruleset() -> tuple[Ruleset, scoring.Ruleset]:
    """The active ruleset row and its validated rules, or a DomainError if none is active."""
    ruleset = ruleset_active()
    if ruleset is None:
        raise no_active_ruleset()
    return ruleset, ruleset_rules(ruleset)


class AssessmentImport(ImportKind):
    key = "assessments"
    label = _("Poverty assessments")
    permission = "registry.add_assessment"
    staging_table = "import_assessment"
    prepared_columns: ClassVar[tuple[str, ...]] = (
        "row_no",
        "key",
        "bad",
        "error_column",
        "error",
        "kk",
        "registry_number",
        "assessed_on",
        "answers",
        "score",
        "max_score",
        "poverty_class",
        "contributions",
    )

    def columns(self) -> Sequence[Column]:
        _row, rules = active_ruleset()
        return assessment_columns(
            [
                (
                    parameter.code,
                    parameter.label_id,
                    ", ".join(option.code for option in parameter.options),
                )
                for parameter in rules.parameters
            ]
        )

    def context_extra(self) -> dict[str, Any]:
        ruleset, rules = active_ruleset()
        return {"ruleset": ruleset, "rules": rules}

    def check_row(self, row: SheetRow, ctx: ImportContext) -> Checked:
        cells, positions, numeric = row.values, ctx.layout.positions, row.numeric
        header = ctx.layout.header
        rules: scoring.Ruleset = ctx.extra["rules"]
        issues: list[Issue] = []

        kk: str | None = None
        number: str | None = None
        if "no_kk" in positions:
            raw, is_number = cells[positions["no_kk"]], positions["no_kk"] in numeric
            if raw.strip() or is_number:
                try:
                    kk = identifier_kk(raw, numeric=is_number, today=ctx.today).kk
                except CellError as error:
                    issues.append(Issue(row.number, header("no_kk"), error.message))
        if "nomor_registrasi" in positions:
            raw = "".join(cells[positions["nomor_registrasi"]].split()).upper()
            if raw:
                match = _REGISTRY_NUMBER.fullmatch(raw)
                if match is None:
                    message = _("%(value)r is not a registry number such as KDS-0000123.") % {
                        "value": raw
                    }
                    issues.append(Issue(row.number, header("nomor_registrasi"), str(message)))
                else:
                    number = f"KDS-{int(match.group(1)):07d}"
        if kk is None and number is None and not issues:
            column = header("no_kk") if "no_kk" in positions else header("nomor_registrasi")
            issues.append(
                Issue(row.number, column, str(_("Give the No. KK or the registry number.")))
            )
        try:
            assessed_on = parse_date(require(cells[positions["tanggal"]]), today=ctx.today)
        except CellError as error:
            issues.append(Issue(row.number, header("tanggal"), error.message))

        answers: dict[str, str] = {}
        for parameter in rules.parameters:
            text = cells[positions[parameter.code]].strip()
            if not text:
                issues.append(
                    Issue(row.number, header(parameter.code), str(_("The cell is empty.")))
                )
                continue
            code = text.casefold()
            if parameter.option(code) is None:
                not_an_answer = _(
                    "%(value)r is not an answer to %(parameter)s; write one of: %(options)s."
                )
                issues.append(
                    Issue(
                        row.number,
                        header(parameter.code),
                        str(
                            not_an_answer
                            % {
                                "value": text,
                                "parameter": parameter.label_id,
                                "options": ", ".join(o.code for o in parameter.options),
                            }
                        ),
                    )
                )
                continue
            answers[parameter.code] = code
        if issues:
            return Checked(kk or number, None, issues)
        try:
            result = scoring.score(rules, answers)
        except scoring.ScoringError as error:  # not expected after the checks above
            column = header(error.parameters[0]) if error.parameters else ""
            return Checked(kk or number, None, [Issue(row.number, column, error.message)])
        contributions = contributions_json(result)
        return Checked(
            kk or number,
            [
                kk,
                number,
                assessed_on,
                json.dumps(answers, separators=(",", ":")),
                result.total,
                result.max_possible,
                result.poverty_class,
                json.dumps(contributions, separators=(",", ":")),
            ],
            [],
        )

    def create_staging(self, cursor: CursorWrapper) -> None:
        run(cursor, STAGE, {})

    def check(self, cursor: CursorWrapper, ctx: ImportContext) -> None:
        header = ctx.layout.header
        run(
            cursor,
            CHECKS,
            {
                "ruleset": ctx.extra["ruleset"].pk,
                "col_kk": header("no_kk"),
                "col_number": header("nomor_registrasi"),
                "col_date": header("tanggal"),
                "msg_disagree": sql_message(
                    _("The No. KK and the registry number name different households.")
                ),
                "msg_no_kk": sql_message(
                    _("No registered household holds this No. KK as its current card.")
                ),
                "msg_no_number": sql_message(_("No household has this registry number.")),
                "msg_dissolved": sql_message(_("The household is dissolved.")),
                "msg_older": sql_message(
                    _(
                        "The household's current assessment is of %(date)s; an imported one "
                        "cannot be older."
                    ),
                    "date",
                ),
                "msg_twice": sql_message(
                    _("The same household is also assessed on row %(row)s; give it once."), "row"
                ),
            },
        )

    def issues(self, cursor: CursorWrapper, ctx: ImportContext) -> list[Issue]:
        return staged_issues(cursor, "import_assessment")

    def counts(self, cursor: CursorWrapper) -> dict[str, int]:
        return one_row(
            cursor,
            """
            SELECT
                count(*) FILTER (WHERE NOT skip AND NOT same_exists) AS assessments_new,
                count(*) FILTER (WHERE NOT skip AND same_exists) AS assessments_unchanged,
                count(DISTINCT row_no) FILTER (WHERE skip) AS rows_skipped
            FROM import_assessment
            """,
        )

    def chunks(self, cursor: CursorWrapper) -> list[tuple[int, int]]:
        cursor.execute(
            """
            UPDATE import_assessment a SET chunk = r.n / %(size)s
            FROM (SELECT row_no, row_number() OVER (ORDER BY row_no) - 1 AS n
                  FROM import_assessment WHERE NOT skip) r
            WHERE r.row_no = a.row_no AND NOT a.skip
            """,
            {"size": ROWS_PER_CHUNK},
        )
        cursor.execute(
            """
            SELECT chunk, count(*) FROM import_assessment WHERE NOT skip
            GROUP BY chunk ORDER BY chunk
            """
        )
        return [(int(chunk), int(size)) for chunk, size in cursor.fetchall()]

    def write_chunk(self, cursor: CursorWrapper, chunk: int, ctx: ImportContext) -> None:
        ruleset: Ruleset = ctx.extra["ruleset"]
        cursor.execute(WRITES[0], {"ruleset": ruleset.pk})
        if cursor.fetchone() is None:
            raise DomainError(
                _("The active ruleset changed since the file was checked; check it again."),
                code="ruleset_changed",
            )
        params = {
            "chunk": chunk,
            "ruleset": ruleset.pk,
            "version": ruleset.version,
            "source": Assessment.Source.IMPORT,
            "actor": ctx.actor.pk if ctx.actor is not None else None,
            "job": ctx.job_id,
            "now": timezone.now(),
        }
        run(cursor, WRITE_ROWS, params)

    def drop(self, cursor: CursorWrapper) -> None:
        cursor.execute("DROP TABLE IF EXISTS import_assessment, import_issue")
