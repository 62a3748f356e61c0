"""Re-scoring every household under a newly activated ruleset: the job and its set-based SQL.

The 14-parameter rules are data (see `registry.scoring`), so a new version changes points or
thresholds, never code. Activating it (`registry.services.ruleset_activate`) starts this job.
Each household with a current assessment gets a new Assessment row (source "rescore", the same
answers, the new version) that becomes current: the household's `CurrentAssessment` moves to
it. The old row stays as history, untouched: a chunk writes the new rows and moves narrow
marks, it does not write the old rows (whole rows of answers) again.

At 650,000 households a query per household is out of the question, so the ruleset is turned
into SQL: one CASE expression per parameter mapping the stored option code to its weighted
points, summed and compared with the thresholds exactly as `scoring.score` / `scoring.classify`
do (the tests check both agree). A chunk is a range of household ids and a handful of
statements: lock the range's households, score them into a temporary table, insert the new
rows and move the marks to them, update the households whose class or score changed.

Each chunk is a Celery task of its own, so that more workers (on this machine or others
sharing PostgreSQL and Redis) finish one re-scoring sooner; see `depok_kds.job_chunks` for
the lease and checkpoint of a chunk. Resumable and idempotent: a chunk and its checkpoint
commit together, and a chunk only takes households whose current assessment is under another
ruleset, so a chunk taken again after a killed worker neither repeats nor loses a household.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from depok_kds.job_chunks import ChunkProgress, chunked_job_task
from depok_kds.jobs import Progress
from depok_kds.models import Job
from registry import scoring
from registry.models import Assessment, Ruleset, current_assessments_sql
from registry.selectors import ruleset_rules

KIND = "registry.rescore"
CHUNK_SIZE = 25_000
# Error rows are for people to read; beyond this the result only counts them.
MAX_ERROR_ROWS = 500
UNSCORABLE = "unscorable"
# A chunk's current assessments `a` (marks `p`): the range's, not yet under the new ruleset.
# The id range in each statement makes it a range scan on an index: the temporary table has
# no statistics.
CHUNK_ROWS = "p.household_id > %(after)s AND p.household_id <= %(last)s AND a.ruleset_id <> %(new)s"


def json_number(value: Decimal) -> int | float:
    """Points as a JSON number: 3, 37.5 (what contributions store, in Python and in SQL)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


@dataclass(frozen=True)
class RulesetSql:
    """A ruleset as SQL over the stored answers of assessments, as in `scoring.score`."""

    rules: scoring.Ruleset
    params: dict[str, Any]
    terms: tuple[str, ...]  # per parameter i: the points of answer a{i}, NULL if not an option
    items: tuple[str, ...]  # per parameter: its contribution, a JSON constant per option

    @classmethod
    def build(cls, rules: scoring.Ruleset) -> RulesetSql:
        params: dict[str, Any] = {
            "rs_codes": [parameter.code for parameter in rules.parameters],
            "rs_miskin": str(rules.thresholds.miskin),
            "rs_rentan": str(rules.thresholds.rentan),
        }
        terms, items = [], []
        for i, parameter in enumerate(rules.parameters):
            params[f"rs_p{i}"] = parameter.code
            points, contributions = [], []
            for j, option in enumerate(parameter.options):
                weighted = json_number(option.score * parameter.weight)
                params[f"rs_o{i}_{j}"] = option.code
                params[f"rs_v{i}_{j}"] = str(weighted)
                # The same shape as contributions_json gives in Python.
                params[f"rs_c{i}_{j}"] = json.dumps(
                    {"parameter": parameter.code, "option": option.code, "points": weighted}
                )
                points.append(f"WHEN %(rs_o{i}_{j})s THEN %(rs_v{i}_{j})s::numeric")
                contributions.append(f"WHEN %(rs_o{i}_{j})s THEN %(rs_c{i}_{j})s::jsonb")
            terms.append(f"CASE a{i} {' '.join(points)} END")
            items.append(f"CASE {{answers}} ->> %(rs_p{i})s {' '.join(contributions)} END")
        return cls(rules, params, tuple(terms), tuple(items))

    def contributions(self, answers: str) -> str:
        """The contributions JSON of the `answers` column (of answers that fit this ruleset)."""
        return (
            f"jsonb_build_array({', '.join(item.format(answers=answers) for item in self.items)})"
        )

    def scored(self, *, where: str) -> str:
        """SELECT (old_id, household_id, old_class, total, new_class) of the current
        assessments `a` (marks `p`) matching `where`; new_class is NULL when the answers do
        not fit this ruleset (one is missing, not an option, or of an unknown parameter)."""
        count = len(self.terms)
        points = ", ".join(f"({term}) AS t{i}" for i, term in enumerate(self.terms))
        total = " + ".join(f"t{i}" for i in range(count))
        # Each answer is read from the JSON once; OFFSET 0 keeps the planner from inlining the
        # subqueries, which would evaluate every CASE again wherever its result is used.
        answers = ", ".join(f"a.answers ->> %(rs_p{i})s AS a{i}" for i in range(count))
        return f"""
            SELECT old_id, household_id, old_class, total,
                   CASE WHEN total IS NULL OR NOT known THEN NULL
                        WHEN total >= %(rs_miskin)s::numeric THEN 'miskin'
                        WHEN total >= %(rs_rentan)s::numeric THEN 'rentan'
                        ELSE 'tidak_miskin' END AS new_class
            FROM (
                SELECT old_id, household_id, old_class, known, {total} AS total
                FROM (
                    SELECT a.id AS old_id, a.household_id, a.poverty_class AS old_class,
                           (a.answers - %(rs_codes)s::text[]) = '{{}}'::jsonb AS known,
                           {answers}
                    FROM {current_assessments_sql("a", "p")}
                    WHERE {where}
                    OFFSET 0
                ) chosen, LATERAL (SELECT {points}) points
                OFFSET 0
            ) totals
        """  # noqa: S608 (only generated placeholders: every value is a bound parameter)


@dataclass
class ChunkResult:
    """What one chunk did: households taken, re-scored, and their class moves."""

    superseded: bool = False  # the ruleset is no longer the active one
    taken: int = 0  # households in the range not yet under the ruleset
    rescored: int = 0
    transitions: Counter[str] = field(default_factory=Counter)  # "old>new" -> households
    unscorable: list[str] = field(default_factory=list)  # registry numbers

    def as_json(self) -> dict[str, Any]:
        return {
            "superseded": self.superseded,
            "taken": self.taken,
            "rescored": self.rescored,
            "transitions": dict(self.transitions),
            "unscorable": self.unscorable,
        }


def chunk_ranges(*, ruleset: Ruleset, size: int) -> list[tuple[int, int, int]]:
    """The chunks of a re-scoring: ranges (after, last] of household ids, each holding `size`
    households whose current assessment is under another ruleset (the last one fewer), with
    that number: (after, last, households).

    Read from the marks alone, less the few households already under the ruleset (found by
    the assessments' ruleset index): the plan does not read the city's assessments.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT max(household_id), count(*) FROM (
                SELECT m.household_id,
                       (row_number() OVER (ORDER BY m.household_id) - 1) / %(size)s AS chunk
                FROM registry_currentassessment m
                WHERE NOT EXISTS (
                    SELECT FROM {current_assessments_sql("a", "p")}
                    WHERE a.ruleset_id = %(new)s AND p.household_id = m.household_id
                )
            ) numbered
            GROUP BY chunk ORDER BY chunk
            """,  # noqa: S608 (no value in the SQL: every value is a bound parameter)
            {"size": size, "new": ruleset.pk},
        )
        rows = cursor.fetchall()
    lasts = [last for last, _households in rows]
    return [
        (after, last, households)
        for after, (last, households) in zip([0, *lasts], rows, strict=False)
    ]


@transaction.atomic
def rescore_chunk(*, ruleset: Ruleset, after: int, last: int) -> ChunkResult:
    """Re-score the households with ids in (after, last] whose current assessment is under
    another ruleset; households whose answers do not fit are left as they are and reported.

    Chunks of one job run side by side (on several workers): each locks only its own
    households, the order `assessment_record` locks a household in (the ruleset first, shared,
    then the household), so an officer saving a form for one of them waits for the chunk
    (a second or two) and then supersedes its row, instead of racing it.
    """
    sql = RulesetSql.build(ruleset_rules(ruleset))
    params = {**sql.params, "new": ruleset.pk, "after": after, "last": last}
    result = ChunkResult()
    with connection.cursor() as cursor:
        # A chunk lost in a crash right after its commit is lost with its checkpoint, and the
        # re-run redoes it: no need to wait for the disk at each commit.
        cursor.execute("SET LOCAL synchronous_commit = off")
        # The rows a chunk writes (ids returned to move the marks) pass through one
        # statement's buffer: kept in memory rather than spilled to a temporary file.
        cursor.execute("SET LOCAL work_mem = '32MB'")
        # Held until commit: an activation of another version waits for the chunk.
        cursor.execute(
            "SELECT id FROM registry_ruleset WHERE id = %s AND status = %s FOR SHARE",
            [ruleset.pk, Ruleset.Status.ACTIVE],
        )
        if cursor.fetchone() is None:
            result.superseded = True
            return result
        # The households first, in id order as a form or an import locks them: one that
        # moves a mark waits for the chunk, and the statements below (a snapshot taken after
        # the locks) read marks that no one can move before the chunk commits. The whole
        # range, by its primary key alone: a household already re-scored (a chunk taken
        # again) or never assessed is locked too, for the second the chunk lasts. The id
        # range repeated in each statement makes it a range scan on an index: the temporary
        # table has no statistics for the planner to rely on.
        cursor.execute(
            """
            SELECT count(*) FROM (
                SELECT id FROM registry_household WHERE id > %(after)s AND id <= %(last)s
                ORDER BY id FOR NO KEY UPDATE
            ) locked
            """,
            params,
        )
        # Only the scores: the answers are read again, from the current row, when written.
        scored = sql.scored(where=CHUNK_ROWS)
        cursor.execute(f"CREATE TEMPORARY TABLE rescore_chunk AS {scored}", params)
        result.taken = cursor.rowcount
        if result.taken:
            _write_chunk(cursor, sql=sql, ruleset=ruleset, after=after, last=last)
            _count_chunk(cursor, result)
        cursor.execute("DROP TABLE rescore_chunk")
    return result


def _write_chunk(cursor: Any, *, sql: RulesetSql, ruleset: Ruleset, after: int, last: int) -> None:
    bounds = {"after": after, "last": last, "new": ruleset.pk}
    # The successors are written and the marks moved to them in one statement; the old rows
    # (read for their answers, which go through no temporary table) are not written. The
    # households are locked, so their marks still name the rows just scored.
    cursor.execute(
        f"""
        WITH written AS (
            INSERT INTO registry_assessment (household_id, ruleset_id, answers, score,
                max_score, poverty_class, contributions, source, assessor_id, assessed_on,
                created_at)
            SELECT a.household_id, %(new)s, a.answers, c.total, %(max)s::numeric, c.new_class,
                   {sql.contributions("a.answers")}, %(source)s, NULL, a.assessed_on,
                   statement_timestamp()
            FROM rescore_chunk c JOIN registry_assessment a ON a.id = c.old_id
            WHERE c.new_class IS NOT NULL
              AND a.household_id > %(after)s AND a.household_id <= %(last)s
            RETURNING household_id, id
        )
        UPDATE registry_currentassessment p SET assessment_id = w.id
        FROM written w
        WHERE p.household_id = w.household_id
          AND p.household_id > %(after)s AND p.household_id <= %(last)s
        """,  # noqa: S608 (only generated placeholders)
        {
            **sql.params,
            **bounds,
            "max": str(sql.rules.max_possible),
            "source": Assessment.Source.RESCORE,
        },
    )
    # The household keeps its assessed_on: the answers were collected on that day.
    cursor.execute(
        """
        UPDATE registry_household h
        SET poverty_class = c.new_class, poverty_score = c.total,
            updated_at = statement_timestamp()
        FROM rescore_chunk c
        WHERE h.id = c.household_id AND c.new_class IS NOT NULL
          AND h.id > %(after)s AND h.id <= %(last)s
          AND (h.poverty_class, h.poverty_score) IS DISTINCT FROM (c.new_class, round(c.total, 2))
        """,
        bounds,
    )


def _count_chunk(cursor: Any, result: ChunkResult) -> None:
    cursor.execute(
        "SELECT old_class, coalesce(new_class, %s), count(*) FROM rescore_chunk GROUP BY 1, 2",
        [UNSCORABLE],
    )
    for old, new, count in cursor.fetchall():
        result.transitions[f"{old}>{new}"] += count
        if new != UNSCORABLE:
            result.rescored += count
    cursor.execute(
        """
        SELECT h.registry_number FROM rescore_chunk c JOIN registry_household h
            ON h.id = c.household_id
        WHERE c.new_class IS NULL ORDER BY c.household_id LIMIT %s
        """,
        [MAX_ERROR_ROWS],
    )
    result.unscorable = [row[0] for row in cursor.fetchall()]


def _plan(job: Job, progress: Progress) -> list[dict[str, Any]]:
    ruleset = Ruleset.objects.get(pk=job.params["ruleset_id"])
    size = int(job.params.get("chunk_size", CHUNK_SIZE))
    chunks = chunk_ranges(ruleset=ruleset, size=size)
    progress.set_total(sum(households for _after, _last, households in chunks))
    return [{"after": after, "last": last} for after, last, _households in chunks]


def _chunk(job: Job, params: dict[str, Any], progress: ChunkProgress) -> dict[str, Any]:
    """One chunk, taken by any worker; its result and checkpoint commit together."""
    ruleset = Ruleset.objects.get(pk=job.params["ruleset_id"])
    with transaction.atomic():
        chunk = rescore_chunk(ruleset=ruleset, after=params["after"], last=params["last"])
        progress.advance(chunk.taken)
    return chunk.as_json()


def _finish(job: Job, results: list[dict[str, Any]]) -> dict[str, Any]:
    """The job's result from its chunks', and the unscorable households as its error rows."""
    ruleset = Ruleset.objects.get(pk=job.params["ruleset_id"])
    transitions: Counter[str] = Counter()
    for result in results:
        transitions.update(result["transitions"])
    changed = sum(
        count
        for key, count in transitions.items()
        if key.split(">")[0] != key.split(">")[1] and not key.endswith(UNSCORABLE)
    )
    rescored = sum(result["rescored"] for result in results)
    unscorable = [number for result in results for number in result["unscorable"]]
    if unscorable:
        reason = str(
            _("The answers do not fit ruleset %(version)s; assess the household again.")
            % {"version": ruleset.version}
        )
        rows = [
            {"row": number, "column": "answers", "reason": reason}
            for number in unscorable[:MAX_ERROR_ROWS]
        ]
        Job.objects.filter(pk=job.pk).update(error_rows=rows)
    return {
        "ruleset": ruleset.version,
        "households": sum(result["taken"] for result in results),
        "rescored": rescored,
        "changed_class": changed,
        "unscorable": transitions.total() - rescored,
        "superseded": any(result["superseded"] for result in results),
        "transitions": dict(sorted(transitions.items())),
    }


# Each chunk is a task of its own: every worker (on any machine) takes chunks. A chunk whose
# worker died is taken again from the start (its transaction was rolled back), and it only
# takes households not yet under the ruleset, so nothing is done twice or lost. A job whose
# ruleset was superseded stops: that version's own job re-scores everyone.
rescore = chunked_job_task(
    KIND,
    plan=_plan,
    chunk=_chunk,
    finish=_finish,
    label=_("Re-scoring under a new poverty ruleset"),
    heavy=True,
)
