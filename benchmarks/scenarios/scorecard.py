# ruff: noqa: S608 - bench-only SQL built from the measures' own statements.
"""Scorecard: every data-quality measure counted for the whole city, with planted cases.

`size` is the number of households of a synthetic city (default 650,000: about 2.1M
persons), loaded as `seed` does, or a copy of one kept with `--keep` (`--template`, as for
`search`). Then, set-based: one Dukcapil run with an outcome for every
person (most matched; some not found, mistyped or deceased, some waiting for review), a KIS
PBI-APBD enrolment for every member of a desil 1-5 household, and planted cases: members
without a NIK, NIKs that disagree with the recorded sex or birth date, damaged NIKs, stale
assessments, deceased members still enrolled.

Timed: the snapshot job's handler (all nine measures, one statement each) -> `seconds`;
`totals` per measure, `planted_missed` (per planted kind, the cases its measure's own rows
leave out) and `planted_found` (none left out).
Reference in the same run, `scan_seconds`: one count of the living members per kelurahan
(the join and GROUP BY every person measure needs at least), and `ratio_to_scan`.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.db import connection

from benchmarks.harness import Context
from benchmarks.seeding import synthetic_city
from depok_kds.jobs import job_run
from depok_kds.models import Job
from programs.models import Cycle, Programme
from programs.scorecard.measures import (
    BASE_SQL,
    HOUSEHOLDS,
    MEASURES_BY_CODE,
    PERSONS,
    ROW_COLUMNS,
)
from programs.scorecard.services import measure_params
from programs.scorecard.tasks import KIND, scorecard_snapshot_job

DEFAULT_SIZE = 650_000
SMOKE_SIZE = 3000
SMOKE_CEILING_SECONDS = 300
EVERY = 997  # one planted case of each kind per this many persons / households


def _dress(year: int) -> dict[str, list[int]]:
    """Outcomes, enrolments and planted cases, each one statement; the planted counts."""
    programme = Programme.objects.get(code="kis-pbi-apbd")
    cycle = Cycle.objects.create(programme=programme, year=year, quota=10**7, amount=504_000)
    job = Job.objects.create(kind="dukcapil.match", status=Job.Status.SUCCEEDED)
    planted: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO dukcapil_matchrun (job_id, source, scope, kelurahan_code, person_ids,"
            " scope_label, summary, created_at, updated_at)"
            " VALUES (%s, 'web_service', 'all', '', '{}', '', '{}', now(), now()) RETURNING id",
            [job.pk],
        )
        run_id = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO dukcapil_matchoutcome (run_id, person_id, outcome, method, score,
                differences, candidate_nik, kelurahan_code, dukcapil, evidence, review_status,
                review_note, created_at)
            SELECT %(run)s, p.id,
                   CASE p.id %% 50 WHEN 1 THEN 'not_found' WHEN 2 THEN 'nik_mistyped'
                                  WHEN 3 THEN 'deceased' ELSE 'matched' END,
                   'nik', 1.0, '{}', CASE WHEN p.id %% 50 = 2 THEN p.nik END,
                   h.kelurahan_code, '{}', '{}',
                   CASE WHEN p.id %% 50 IN (2, 3) THEN 'pending' ELSE 'not_needed' END, '', now()
            FROM registry_person p JOIN registry_household h ON h.id = p.household_id
            WHERE p.nik IS NOT NULL
            """,
            {"run": run_id},
        )
        cursor.execute(
            """
            INSERT INTO programs_enrolment (programme_id, cycle_id, year, person_id,
                household_id, kelurahan_code, source, amount, enrolled_on, status, exit_reason)
            SELECT %(programme)s, %(cycle)s, %(year)s, p.id, h.id, h.kelurahan_code, 'import',
                   504000, %(on)s, 'active', ''
            FROM registry_person p JOIN registry_household h ON h.id = p.household_id
            WHERE h.desil <= 5 AND NOT p.is_deceased
            """,
            {"programme": programme.pk, "cycle": cycle.pk, "year": year, "on": date(year, 2, 1)},
        )
        # Each case is planted where its measure looks: on living members of active
        # households (a deceased member without a NIK is no case to fix), never twice.
        plants = {
            "nik_missing": "UPDATE registry_person SET nik = NULL, nik_status = 'missing'"
            " WHERE id %% {e} = 11 AND relationship <> '1' AND {living}",
            "nik_disagrees": "UPDATE registry_person SET sex = CASE sex WHEN 'M' THEN 'F'"
            " ELSE 'M' END WHERE id %% {e} = 12 AND nik IS NOT NULL AND {living}",
            # An unknown kab/kota with the person's id: damaged, and still unique.
            "nik_damaged": "UPDATE registry_person SET nik = '9999' || lpad(id::text, 12, '0')"
            " WHERE id %% {e} = 13 AND nik IS NOT NULL AND {living}",
            "assessment_stale": "UPDATE registry_household SET assessed_on = NULL"
            " WHERE id %% {e} = 14 AND status = 'active'",
            "gone_enrolled": "UPDATE registry_person SET is_deceased = true,"
            " death_date = %(died)s WHERE id %% {e} = 15 AND relationship <> '1'"
            " AND birth_date <= %(died)s AND {living}"
            " AND id IN (SELECT person_id FROM programs_enrolment)",
        }
        living = (
            "NOT is_deceased AND household_id IN"
            " (SELECT id FROM registry_household WHERE status = 'active')"
        )
        for measure, sql in plants.items():
            cursor.execute(
                sql.format(e=EVERY, living=living) + " RETURNING id", {"died": date(year, 1, 5)}
            )
            planted[measure] = [row[0] for row in cursor.fetchall()]
        cursor.execute("ANALYZE")
    return planted


def _missed(planted: dict[str, list[int]], on: date) -> dict[str, int]:
    """Per planted kind, how many of its cases the measure's own rows leave out."""
    missed = {}
    with connection.cursor() as cursor:
        for code, ids in planted.items():
            measure = MEASURES_BY_CODE[code]
            column = "household_id" if measure.base == HOUSEHOLDS else "person_id"
            cursor.execute(
                f"SELECT count(DISTINCT m.{column}) FROM ({measure.sql})"
                f" AS m({', '.join(ROW_COLUMNS)}) WHERE m.{column} = ANY(%(ids)s)",
                {**measure_params(on), "ids": ids},
            )
            missed[code] = len(set(ids)) - cursor.fetchone()[0]
    return missed


def run(ctx: Context) -> dict[str, Any]:
    synthetic_city(ctx)
    planted = _dress(date.today().year)  # noqa: DTZ011 - a bench's year
    job = Job.objects.create(kind=KIND)
    with ctx.timer() as timer:
        finished = job_run(job_id=job.pk, handler=scorecard_snapshot_job)
    if finished is None or finished.status != Job.Status.SUCCEEDED:
        raise RuntimeError(f"scorecard failed: {finished and finished.error_message}")
    totals: dict[str, int] = finished.result["totals"]
    missed = _missed(planted, date.fromisoformat(finished.result["date"]))
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(BASE_SQL[PERSONS])
        cursor.fetchall()
        scan = time.perf_counter() - started
    return {
        "seconds": round(timer.seconds, 3),
        "scan_seconds": round(scan, 3),
        "ratio_to_scan": round(timer.seconds / max(scan, 1e-6), 1),
        "totals": totals,
        "planted": {code: len(ids) for code, ids in planted.items()},
        "planted_missed": missed,
        "planted_found": not any(missed.values()),
    }


def smoke_problems(report: dict[str, Any]) -> list[str]:
    if not report["planted_found"]:
        return [f"planted cases missed by their measure: {report['planted_missed']}"]
    return []
