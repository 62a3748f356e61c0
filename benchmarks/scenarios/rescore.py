"""Re-score every household when a new version of the 14-parameter rules is activated.

Set-up (not measured): `size` households, each with a current assessment under the active
provisional ruleset, written with COPY; answers are drawn so that roughly 2-3% of households
are miskin and 10-15% rentan, as the provisional rules intend. Then a new version with other
points and thresholds is loaded as a draft and simulated (timed apart, as `simulate_seconds`).

Measured (`seconds`): `ruleset_activate` and the whole re-scoring job it starts, run in this
process (Celery in eager mode), i.e. what Dinas Sosial waits for after pressing "activate".
Beside it, the CPU seconds of the PostgreSQL backend (`postgres_cpu_seconds`) and the WAL the
server wrote (`wal_bytes`), steadier than wall seconds on a shared machine; the limit's are
`write_limit_postgres_cpu_seconds` and `write_limit_wal_bytes`. A second reference,
`checked_write_limit_seconds`, writes the same rows with the assessments' foreign keys
checked (`ratio_to_checked_limit`): the goal's limit leaves them out.

Seeding 650,000 households takes minutes. With `KDS_BENCH_RESCORE_SEED_ONLY=1` a run only
seeds (keep it with `--keep --database kds_bench_rescore_650k`); a copy of such a database,
given as `--template`, is re-scored as it is, without seeding again.
"""

from __future__ import annotations

import copy
import json
import os
import random
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from benchmarks.harness import Context
from depok_kds.celery import app
from depok_kds.models import Job
from registry import scoring
from registry.models import Assessment, Household, Kelurahan, Ruleset
from registry.rescore import json_number
from registry.selectors import ruleset_active, ruleset_rules
from registry.services import ruleset_activate, ruleset_create, ruleset_simulate
from registry.services.assessments import contributions_json

DEFAULT_SIZE = 650_000
SMOKE_SIZE = 5000
CHUNK = 50_000
SEED = 2026
# Chance of each option, poorest option first, before a household's own poverty shifts it.
BASE_CHANCES = {3: (0.04, 0.15, 1.0), 4: (0.03, 0.09, 0.25, 1.0)}

HOUSEHOLD_COLUMNS = (
    "id, created_at, updated_at, kelurahan_code, rw, rt, address, status, poverty_class, "
    "poverty_score, assessed_on, desil_period"
)
ASSESSMENT_COLUMNS = (
    "household_id, ruleset_id, answers, score, max_score, poverty_class, contributions, "
    "source, assessed_on, created_at"
)


class AnswerDrawer:
    """Draws answers and scores them the fast way: precomputed points and JSON fragments."""

    def __init__(self, rules: scoring.Ruleset, rng: random.Random) -> None:
        self.rules = rules
        self.rng = rng
        self.parameters = []
        for parameter in rules.parameters:
            options = sorted(parameter.options, key=lambda option: -option.score)
            chances = BASE_CHANCES.get(len(options)) or tuple(
                (i + 1) / len(options) for i in range(len(options))
            )
            choices = [
                (
                    chance,
                    option.code,
                    option.score * parameter.weight,
                    json.dumps({parameter.code: option.code})[1:-1],
                    json.dumps(
                        {
                            "parameter": parameter.code,
                            "option": option.code,
                            "points": json_number(option.score * parameter.weight),
                        }
                    ),
                )
                for chance, option in zip(chances, options, strict=True)
            ]
            self.parameters.append(choices)

    def draw(self) -> tuple[str, Decimal, str, str, dict[str, str]]:
        """(answers JSON, total, class, contributions JSON, answers) of one household."""
        poverty = self.rng.random() ** 5  # most households are far from poor
        total = Decimal(0)
        answers, contributions, chosen = [], [], {}
        for choices, parameter in zip(self.parameters, self.rules.parameters, strict=True):
            roll = self.rng.random() * (1 - 0.85 * poverty)
            for chance, code, points, answer, contribution in choices:  # noqa: B007
                if roll < chance:
                    break
            total += points
            answers.append(answer)
            contributions.append(contribution)
            chosen[parameter.code] = code
        return (
            "{" + ", ".join(answers) + "}",
            total,
            scoring.classify(self.rules, total),
            "[" + ", ".join(contributions) + "]",
            chosen,
        )


def build_households(ctx: Context, ruleset: Ruleset, *, count: int = 0, after: int = 0) -> None:
    """`count` (default `ctx.size`) households with a current assessment each, by COPY, in
    chunks, with ids from `after` + 1."""
    count = count or ctx.size
    rules = ruleset_rules(ruleset)
    rng = random.Random(SEED)
    drawer = AnswerDrawer(rules, rng)
    kelurahan = list(Kelurahan.objects.order_by("code").values_list("code", flat=True))
    now = timezone.now()
    first_day = date(2025, 7, 1)
    maximum = str(rules.max_possible)
    for start in range(after, after + count, CHUNK):
        households: list[tuple[Any, ...]] = []
        assessments: list[tuple[Any, ...]] = []
        for number in range(start + 1, min(start + CHUNK, after + count) + 1):
            answers, total, poverty_class, contributions, chosen = drawer.draw()
            if number <= after + 50:  # the generator's shortcut must agree with the scoring module
                checked = scoring.score(rules, chosen)
                if (checked.total, checked.poverty_class) != (total, poverty_class) or json.loads(
                    contributions
                ) != contributions_json(checked):
                    raise RuntimeError(f"the generator disagrees with scoring.score: {chosen}")
            assessed_on = first_day + timedelta(days=number % 300)
            households.append(
                (
                    number,
                    now,
                    now,
                    kelurahan[number % len(kelurahan)],
                    1 + number % 19,
                    1 + number % 13,
                    f"Jl. Bench No. {number}",
                    Household.Status.ACTIVE,
                    poverty_class,
                    total,
                    assessed_on,
                    "",
                )
            )
            assessments.append(
                (
                    number,
                    ruleset.pk,
                    answers,
                    total,
                    maximum,
                    poverty_class,
                    contributions,
                    Assessment.Source.FIELD_VISIT,
                    assessed_on,
                    now,
                )
            )
        with connection.cursor() as cursor:
            with cursor.cursor.copy(
                f"COPY registry_household ({HOUSEHOLD_COLUMNS}) FROM STDIN"
            ) as copy_in:
                for row in households:
                    copy_in.write_row(row)
            with cursor.cursor.copy(
                f"COPY registry_assessment ({ASSESSMENT_COLUMNS}) FROM STDIN"
            ) as copy_in:
                for row in assessments:
                    copy_in.write_row(row)
            # Each household's only assessment is its current one.
            cursor.execute(
                """
                INSERT INTO registry_currentassessment (household_id, assessment_id)
                SELECT household_id, id FROM registry_assessment
                WHERE household_id > %s AND household_id <= %s ORDER BY household_id
                """,
                [start, start + len(households)],
            )
        ctx.progress(start - after + len(households), count, "households")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('registry_household', 'id'), %s)",
            [after + count],
        )
        # As a live database is after autovacuum: statistics, hint bits and visibility map.
        cursor.execute("VACUUM ANALYZE registry_household")
        cursor.execute("VACUUM ANALYZE registry_assessment")
        cursor.execute("VACUUM ANALYZE registry_currentassessment")


def new_version() -> dict[str, Any]:
    """The provisional rules with income and medical cost weighing more, lower thresholds."""
    with scoring.PROVISIONAL_RULESET_PATH.open(encoding="utf-8") as handle:
        definition: dict[str, Any] = copy.deepcopy(json.load(handle))
    points = {("income", "below_poverty_line"): 12, ("income", "near_poverty_line"): 7}
    points[("medical_cost", "unable")] = 5
    for parameter in definition["parameters"]:
        for option in parameter["options"]:
            option["score"] = points.get((parameter["code"], option["code"]), option["score"])
    definition.update(
        version="BENCH-2026.2",
        is_provisional=False,
        thresholds={"miskin": 24, "rentan": 13},
    )
    return definition


def backend_cpu_seconds() -> float | None:
    """CPU seconds this connection's PostgreSQL backend has used, if it runs on this machine.

    On a shared machine the wall-clock time depends on what else runs; the CPU time spent
    by the server and by this process says what the work itself costs.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
    if row is None:
        return None
    pid = row[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def written_back() -> None:
    """Write every dirty buffer to disk (CHECKPOINT), untimed, so that the part timed next
    does not pay for an earlier part's writes: the seeding's or the copied template's before
    the re-scoring, the re-scoring's before its limit. Skipped where the user may not."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        pass


def wal_position() -> int:
    """The server's WAL write position, in bytes: the difference of two is the WAL written."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
        row = cursor.fetchone()
    return int(row[0]) if row is not None else 0


def seeded_city(ctx: Context, provisional: Ruleset) -> None:
    """`ctx.size` households as `build_households` writes them, unless the database (a copy of
    a seeded one, given as `--template`) already holds them, not yet re-scored."""
    existing = Household.objects.count()
    if existing == 0:
        build_households(ctx, provisional)
    elif existing != ctx.size:
        raise RuntimeError(f"the database holds {existing} households, not --size {ctx.size}")
    elif Ruleset.objects.filter(version=new_version()["version"]).exists():
        raise RuntimeError("this database was re-scored already: copy one that was only seeded")


def run(ctx: Context) -> dict[str, Any]:
    provisional = ruleset_active()
    if provisional is None:
        raise RuntimeError("the migrations load an active provisional ruleset; none found")
    seeded_city(ctx, provisional)
    if os.environ.get("KDS_BENCH_RESCORE_SEED_ONLY"):
        return {"seconds": 0.0, "seeded": ctx.size}
    draft = ruleset_create(actor=None, definition=new_version())

    with ctx.timer() as simulating:
        simulation = ruleset_simulate(ruleset=draft)

    # The job runs here, in this process, when the activation commits.
    app.conf.task_always_eager = True
    ctx.progress(0, ctx.size, "re-scoring")
    written_back()
    server_before, python_before = backend_cpu_seconds(), time.process_time()
    wal_before = wal_position()
    with ctx.timer() as rescoring:
        job = ruleset_activate(actor=None, ruleset=draft)
    wal_bytes = wal_position() - wal_before
    server_after, python_cpu = backend_cpu_seconds(), time.process_time() - python_before
    ctx.progress(ctx.size, ctx.size, "re-scoring")
    wal_before, limit_cpu_before = wal_position(), backend_cpu_seconds()
    write_limit = write_limit_seconds()
    write_limit_wal, limit_cpu_after = wal_position() - wal_before, backend_cpu_seconds()
    checked_limit = write_limit_seconds(references=True)
    job = Job.objects.get(pk=job.pk)
    if job.status != Job.Status.SUCCEEDED:
        raise RuntimeError(f"the re-scoring job ended {job.status}: {job.error_message}")
    rescored = Assessment.objects.current().filter(ruleset=draft).count()
    if rescored != ctx.size or job.result["changed_class"] != simulation.city.changed:
        raise RuntimeError(
            f"re-scored {rescored} of {ctx.size}; changed {job.result['changed_class']}, "
            f"simulated {simulation.city.changed}"
        )
    return {
        "seconds": round(rescoring.seconds, 3),
        "households": job.result["households"],
        "changed_class": job.result["changed_class"],
        "households_per_s": round(ctx.size / rescoring.seconds, 1),
        "write_limit_seconds": round(write_limit, 3),
        "ratio_to_limit": round(rescoring.seconds / write_limit, 2),
        "checked_write_limit_seconds": round(checked_limit, 3),
        "ratio_to_checked_limit": round(rescoring.seconds / checked_limit, 2),
        "simulate_seconds": round(simulating.seconds, 3),
        "postgres_cpu_seconds": (
            round(server_after - server_before, 1)
            if server_after is not None and server_before is not None
            else None
        ),
        "python_cpu_seconds": round(python_cpu, 1),
        "write_limit_postgres_cpu_seconds": (
            round(limit_cpu_after - limit_cpu_before, 1)
            if limit_cpu_after is not None and limit_cpu_before is not None
            else None
        ),
        "wal_bytes": wal_bytes,
        "write_limit_wal_bytes": write_limit_wal,
        "miskin_before": simulation.city.before("miskin"),
        "miskin_after": simulation.city.after("miskin"),
        "rentan_before": simulation.city.before("rentan"),
        "rentan_after": simulation.city.after("rentan"),
    }


WRITE_LIMIT = """
    INSERT INTO bench_write_limit (household_id, ruleset_id, answers, score, max_score,
        poverty_class, contributions, source, assessor_id, assessed_on, created_at)
    SELECT h.id, a.ruleset_id, a.answers, a.score, a.max_score, a.poverty_class,
        a.contributions, a.source, NULL, a.assessed_on, now()
    FROM registry_household h,
        (SELECT * FROM registry_assessment LIMIT 1) a
"""


def write_limit_seconds(*, references: bool = False) -> float:
    """Seconds of the least a re-scoring can write, measured in the same run as its reference:
    one INSERT ... SELECT of one assessment row per household, every row the same (a real
    row's answers), into a table with the assessments' columns, indexes and checks.

    With `references`, the table also has the assessments' two foreign keys (household,
    ruleset), checked as PostgreSQL checks every foreign key: once per row written. Not the
    goal's limit, but what any assessment row costs once its references are checked, so that
    the share of a re-scoring spent on them can be read off."""
    written_back()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_write_limit (LIKE registry_assessment INCLUDING ALL)")
        if references:
            cursor.execute(
                "ALTER TABLE bench_write_limit"
                " ADD FOREIGN KEY (household_id) REFERENCES registry_household,"
                " ADD FOREIGN KEY (ruleset_id) REFERENCES registry_ruleset"
            )
        started = time.perf_counter()
        cursor.execute(WRITE_LIMIT)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_write_limit")
    return seconds
