"""The dashboard panels at city scale, as each role sees them, with the indexes they use.

Setup (not timed): `size` persons (default 300,000) and, for the current year and the two
before it, `size` KIS PBI enrolments plus the other programmes' published figures (over
900,000 enrolments); size/5 overlap findings spread over rules, statuses, agencies and
kelurahan; one finished matching run with an outcome for every person, 5% of them waiting
for review. Timed: each panel function for leadership, a Dinsos operator, an agency
officer and a Puskesos officer (the recipients panel uncached); p50/p95 over the runs.
Each panel's queries are EXPLAINed once: the result lists the index each one scans.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks.harness import Context
from benchmarks.scenarios.enrol import persons_make
from depok_kds.accounts import user_create
from depok_kds.models import Job, User
from depok_kds.roles import Role
from programs.demo import RECIPIENTS_TABLE, recipients_seed
from programs.models import Enrolment
from programs.overlap.models import Finding
from programs.overlap.panels import findings_panel
from programs.overlap.rules import RULES
from programs.panels import recipients_panel
from registry.dukcapil.models import MatchOutcome, MatchRun
from registry.dukcapil.panels import matching_panel
from registry.dukcapil.services.runs import run_summary_compute
from registry.models import Household, Person

DEFAULT_SIZE = 300_000
SMOKE_SIZE = 2000
RUNS = 20
PANELS: dict[str, Callable[[User], dict[str, Any] | None]] = {
    "recipients": recipients_panel,
    "findings": findings_panel,
    "matching": matching_panel,
}
OUTCOMES = ["matched", "matched", "matched", "differences", "not_found", "deceased", "moved_out"]


def run(ctx: Context) -> dict[str, Any]:
    persons_make(ctx, ctx.size)
    year = timezone.localdate().year
    ctx.progress(0, 3, "enrolments, findings, outcomes")
    recipients_seed(
        table={**RECIPIENTS_TABLE, "kis-pbi-apbd": (ctx.size,) * 3},
        years=(year - 2, year - 1, year),
    )
    ctx.progress(1, 3, "enrolments, findings, outcomes")
    _findings_make(ctx.size // 5, year)
    ctx.progress(2, 3, "enrolments, findings, outcomes")
    _outcomes_make()
    ctx.progress(3, 3, "enrolments, findings, outcomes")
    with connection.cursor() as cursor:
        # The steady state autovacuum keeps: statistics and a visibility map.
        for model in (Enrolment, Finding, MatchOutcome, MatchRun):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    users = {
        "leadership": user_create(username="lead", password=None, role=Role.LEADERSHIP),
        "dinsos": user_create(username="dinsos", password=None, role=Role.DINSOS_OPERATOR),
        "agency": user_create(
            username="dinkes", password=None, role=Role.AGENCY_OFFICER, agency_code="DINKES"
        ),
        "puskesos": user_create(
            username="puskesos",
            password=None,
            role=Role.PUSKESOS_OFFICER,
            kelurahan_codes=["32.76.01.1006"],
        ),
    }
    result: dict[str, Any] = {"enrolments": Enrolment.objects.count()}
    worst = 0.0
    steps, step = len(users) * len(PANELS), 0
    for role, user in users.items():
        user.get_all_permissions()  # as on a request: loaded once, before the panels
        for name, panel in PANELS.items():
            step += 1
            ctx.progress(step, steps, f"{name} as {role}")
            if panel(user) is None:
                result[f"{name}_{role}"] = None
                continue
            timings = []
            for _ in range(RUNS):
                cache.clear()
                started = time.perf_counter()
                panel(user)
                timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            cache.clear()
            with CaptureQueriesContext(connection) as captured:
                panel(user)
            p95 = timings[int(len(timings) * 0.95) - 1]
            worst = max(worst, p95)
            result[f"{name}_{role}"] = {
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(p95, 1),
                "queries": len(captured.captured_queries),
                "indexes": sorted({i for q in captured.captured_queries for i in _indexes(q)}),
            }
    result["worst_p95_ms"] = round(worst, 1)
    return result


def _findings_make(n: int, year: int) -> None:
    rules = [spec.code for spec in RULES]
    agencies = ["DINSOS", "DINKES", "DISDIK", "DISRUMKIM", "DISNAKER"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Finding._meta.db_table}
                (rule, fingerprint, severity, blocks, status, reason, agency_code,
                 kelurahan_code, year, details, first_seen, last_seen)
            SELECT (%(rules)s::text[])[1 + i %% %(n_rules)s], 'bench:' || i, 'medium', false,
                   (ARRAY['open', 'open', 'confirmed', 'dismissed', 'closed'])[1 + i %% 5],
                   'bench', (%(agencies)s::text[])[1 + i %% %(n_agencies)s],
                   h.kelurahan_code, %(year)s, '{{}}', now(), now()
            FROM generate_series(1, %(n)s) i
            JOIN {Household._meta.db_table} h ON h.id = (
                SELECT min(id) FROM {Household._meta.db_table}) + i %% 1000
            """,  # noqa: S608
            {
                "rules": rules,
                "n_rules": len(rules),
                "agencies": agencies,
                "n_agencies": len(agencies),
                "year": year,
                "n": n,
            },
        )


def _outcomes_make() -> None:
    job = Job.objects.create(kind="dukcapil.match", status=Job.Status.SUCCEEDED)
    run = MatchRun.objects.create(
        job=job, source=MatchRun.Source.WEB_SERVICE, scope=MatchRun.Scope.ALL
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {MatchOutcome._meta.db_table}
                (run_id, person_id, outcome, method, score, differences, kelurahan_code,
                 dukcapil, evidence, review_status, review_note, created_at)
            SELECT %(run)s, p.id, (%(outcomes)s::text[])[1 + p.id %% %(n_outcomes)s], '', 1.0,
                   '{{}}', h.kelurahan_code, '{{}}', '{{}}',
                   CASE WHEN p.id %% 20 = 0 THEN 'pending' ELSE 'not_needed' END, '', now()
            FROM {Person._meta.db_table} p
            JOIN {Household._meta.db_table} h ON h.id = p.household_id
            """,  # noqa: S608
            {"run": run.pk, "outcomes": OUTCOMES, "n_outcomes": len(OUTCOMES)},
        )
    MatchRun.objects.filter(pk=run.pk).update(
        summary=run_summary_compute(run), finished_at=timezone.now()
    )


def _indexes(query: dict[str, Any]) -> Iterator[str]:
    sql = query["sql"]
    if not sql.lstrip().upper().startswith("SELECT"):
        return
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    yield from _plan_indexes(plan if isinstance(plan, list) else json.loads(plan))


def _plan_indexes(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _plan_indexes(item)
    elif isinstance(node, dict):
        if "Index Name" in node:
            yield f"{node['Node Type']}: {node['Index Name']}"
        elif node.get("Node Type") == "Seq Scan":
            yield f"Seq Scan: {node['Relation Name']}"
        for value in node.values():
            if isinstance(value, list | dict):
                yield from _plan_indexes(value)
