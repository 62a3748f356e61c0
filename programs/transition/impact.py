# ruff: noqa: S608 - every statement is built from this module's and the rules' constants.
"""A DTSEN quarter's impact, computed set-based: one statement per step over the quarter.

For every household with a ranking recorded for the quarter (a quarter records only the
rankings that changed), its desil before (decided by its rankings in force up to the quarter
before) and after (up to the quarter) are read with the registry's own rule
(`registry.dtsen.deciding_desil_sql`). A household whose desil changed and whose programme
poverty rule (`POVERTY_SQL`, the one definition eligibility and detection use) holds after
but not before *entered* that programme's target; the other way round it *left*. Each left
household's active enrolments of the quarter's year get an exit proposal; an entered
household with no active enrolment is newly eligible.

Re-running a quarter is idempotent: its impact entries are replaced, a proposal already made
for an enrolment is kept with its status, and a proposal still waiting whose household no
longer left is withdrawn.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from depok_kds.audit import audit_record_many
from programs.eligibility import POVERTY_SQL
from programs.selectors import targeting_params
from programs.transition.models import ExitProposal
from registry.dtsen import deciding_desil_sql

STEPS = 4

# Only the households whose desil changed can cross a programme's target.
STAGE = f"""
CREATE TEMP TABLE quarter_desil ON COMMIT DROP AS
SELECT * FROM (
    SELECT hh.id AS household_id, hh.kelurahan_code, hh.poverty_class,
           {deciding_desil_sql("AND r.period < %(period)s")} AS desil_before,
           {deciding_desil_sql("AND r.period <= %(period)s")} AS desil_after
    FROM (SELECT DISTINCT household_id FROM registry_desilrecord
          WHERE period = %(period)s AND household_id IS NOT NULL) touched
    JOIN registry_household hh ON hh.id = touched.household_id
) ranked
WHERE desil_before IS DISTINCT FROM desil_after
"""

# `POVERTY_SQL` reads a household `h` (desil, poverty_class) and a targeting row `t`.
_HOLDS = "(SELECT {poverty} FROM (SELECT q.{column} AS desil, q.poverty_class) h)"

ENTRIES = f"""
INSERT INTO transition_impactentry (period, programme_id, household_id, agency_code,
    kelurahan_code, change, desil_before, desil_after, enrolled)
SELECT %(period)s, t.programme_id, q.household_id, ag.code, q.kelurahan_code,
       CASE WHEN c.after THEN 'entered' ELSE 'left' END, q.desil_before, q.desil_after,
       EXISTS (SELECT 1 FROM programs_enrolment en
               WHERE en.household_id = q.household_id AND en.programme_id = t.programme_id
                 AND en.year = %(year)s AND en.status = 'active')
FROM unnest(%(t_ids)s::bigint[], %(t_classes)s::text[], %(t_desil)s::int[])
    AS t(programme_id, classes, desil_max)
JOIN programs_programme p ON p.id = t.programme_id
JOIN programs_agency ag ON ag.id = p.agency_id
CROSS JOIN quarter_desil q
CROSS JOIN LATERAL (
    SELECT {_HOLDS.format(poverty=POVERTY_SQL, column="desil_before")} AS before,
           {_HOLDS.format(poverty=POVERTY_SQL, column="desil_after")} AS after
) c
WHERE t.desil_max IS NOT NULL AND c.before <> c.after
"""

PROPOSALS = """
INSERT INTO transition_exitproposal (period, programme_id, enrolment_id, person_id,
    household_id, agency_code, kelurahan_code, desil_before, desil_after, status,
    proposed_by_id, decision_note, created_at, updated_at)
SELECT ie.period, ie.programme_id, en.id, en.person_id, ie.household_id, ie.agency_code,
       ie.kelurahan_code, ie.desil_before, ie.desil_after, 'proposed', %(actor)s, '',
       %(now)s, %(now)s
FROM transition_impactentry ie
JOIN programs_enrolment en ON en.household_id = ie.household_id
     AND en.programme_id = ie.programme_id AND en.year = %(year)s AND en.status = 'active'
WHERE ie.period = %(period)s AND ie.change = 'left'
ON CONFLICT (period, enrolment_id) DO NOTHING
"""

WITHDRAW = """
UPDATE transition_exitproposal x SET status = 'withdrawn', updated_at = %(now)s
WHERE x.period = %(period)s AND x.status = 'proposed'
  AND NOT EXISTS (SELECT 1 FROM transition_impactentry ie
                  WHERE ie.period = x.period AND ie.programme_id = x.programme_id
                    AND ie.household_id = x.household_id AND ie.change = 'left')
RETURNING x.id
"""

EVENTS = """
INSERT INTO transition_exitproposalevent (proposal_id, from_status, to_status, note, actor_id,
    created_at)
SELECT unnest(%(ids)s::bigint[]), %(before)s, %(after)s, %(note)s, %(actor)s, %(now)s
"""

SUMMARY = """
SELECT count(*) FILTER (WHERE change = 'entered'), count(*) FILTER (WHERE change = 'left'),
       count(*) FILTER (WHERE change = 'entered' AND NOT enrolled)
FROM transition_impactentry WHERE period = %(period)s
"""


@dataclass
class ImpactResult:
    period: str
    households: int = 0  # whose desil the quarter changed
    entered: int = 0
    left: int = 0
    newly_eligible: int = 0
    proposed: int = 0
    withdrawn: int = 0
    steps: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "households": self.households,
            "entered": self.entered,
            "left": self.left,
            "newly_eligible": self.newly_eligible,
            "proposed": self.proposed,
            "withdrawn": self.withdrawn,
            "step_seconds": {name: round(seconds, 2) for name, seconds in self.steps.items()},
        }


def events_record(
    cursor: Any, *, ids: list[int], before: str, after: str, note: str, actor_id: int | None
) -> None:
    """One event row per proposal moved in bulk, in one statement."""
    if ids:
        cursor.execute(
            EVENTS,
            {
                "ids": ids,
                "before": before,
                "after": after,
                "note": note,
                "actor": actor_id,
                "now": timezone.now(),
            },
        )


@transaction.atomic
def impact_compute(
    *, period: str, actor_id: int | None, on_step: Callable[[int], None] | None = None
) -> ImpactResult:
    """Compute (again) the impact of one quarter and propose its exits."""
    year = int(period[:4])
    params: dict[str, Any] = {
        "period": period,
        "year": year,
        "actor": actor_id,
        "now": timezone.now(),
        **targeting_params(year),
    }
    result = ImpactResult(period=period)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.steps[name] = now - clock
        clock = now

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS quarter_desil")
        cursor.execute(STAGE, params)
        result.households = cursor.rowcount
        cursor.execute("ANALYZE quarter_desil")
        lap("stage")
        _step(on_step, 1)
        cursor.execute("DELETE FROM transition_impactentry WHERE period = %(period)s", params)
        cursor.execute(ENTRIES, params)
        # Fresh statistics for the joins below (a quarter replaces its entries wholesale).
        cursor.execute("ANALYZE transition_impactentry")
        lap("entries")
        _step(on_step, 2)
        cursor.execute(PROPOSALS + " RETURNING id", params)
        created = [row[0] for row in cursor.fetchall()]
        result.proposed = len(created)
        events_record(
            cursor, ids=created, before="", after="proposed", note=period, actor_id=actor_id
        )
        cursor.execute(WITHDRAW, params)
        withdrawn = [row[0] for row in cursor.fetchall()]
        result.withdrawn = len(withdrawn)
        events_record(
            cursor,
            ids=withdrawn,
            before="proposed",
            after="withdrawn",
            note=period,
            actor_id=actor_id,
        )
        # As every other move of a proposal (`services._move`): an audit row beside the event.
        audit_record_many(
            actor_id=actor_id,
            action="transition.exit_withdrawn",
            target_type=ExitProposal._meta.label_lower,
            target_ids=withdrawn,
            before={"status": "proposed"},
            after={"status": "withdrawn", "note": period},
        )
        lap("proposals")
        _step(on_step, 3)
        cursor.execute(SUMMARY, params)
        result.entered, result.left, result.newly_eligible = cursor.fetchone()
        cursor.execute("DROP TABLE quarter_desil")
        lap("summary")
        _step(on_step, 4)
    return result


def _step(on_step: Callable[[int], None] | None, done: int) -> None:
    if on_step is not None:
        on_step(done)
