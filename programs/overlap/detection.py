# ruff: noqa: S608 - every statement is built from this module's constants; values are bound.
"""The detection SQL: one set-based statement per rule, and the idempotent reconciliation.

Each rule's SELECT returns rows of `HIT_COLUMNS`: the finding's fingerprint (rule + the ids
it is about, stable across runs) and its references. A run stages every rule's rows in a
temporary table (one INSERT ... SELECT per rule, committed one by one so the progress bar
moves), then reconciles in one transaction:

- a fingerprint seen for the first time becomes an open finding (event "opened");
- a closed finding seen again is reopened (event "reopened");
- an open, confirmed or dismissed finding seen again keeps its status and history
  (`last_seen` and details are refreshed);
- an open or confirmed finding of the rules run (and the programme, if one) that was not
  seen is closed (event "closed"); a dismissed one stays dismissed.

There is no query per enrolment: at the city's size (900,000 enrolments, 2.1M persons)
each statement is one hash join or GROUP BY.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from programs.eligibility import POVERTY_SQL
from programs.frequency import clash_sql
from programs.models import PENDING_STATES
from programs.overlap.rules import RULES
from programs.selectors import targeting_params

HIT_COLUMNS = (
    "rule, fingerprint, person_id, household_id, enrolment_id, application_id, programme_id,"
    " agency_code, kelurahan_code, year, details"
)
# Registry findings (no programme) belong to Dinas Sosial, which runs the registry.
REGISTRY_OWNER = "DINSOS"
PENDING_APPLICATION_STATES = "(" + ", ".join(f"'{state}'" for state in PENDING_STATES) + ")"

# The enrolment with its programme's routing and "unit" (a person, or a household for
# household programmes, negated so that the two id spaces never meet).
_ENROLMENT = """
    SELECT en.id, en.person_id, en.household_id, en.programme_id, en.cycle_id, en.year,
           en.enrolled_on, en.kelurahan_code, en.application_id, en.status,
           p.target, p.frequency_years, ag.code AS agency_code,
           COALESCE(p.options->>'benefit_group', p.kind) AS benefit_group,
           CASE WHEN p.target = 'household' THEN -en.household_id ELSE en.person_id END AS unit
    FROM programs_enrolment en
    JOIN programs_programme p ON p.id = en.programme_id
    JOIN programs_agency ag ON ag.id = p.agency_id
"""

_B = (
    "b.person_id, b.household_id, b.id, b.application_id, b.programme_id, b.agency_code,"
    " b.kelurahan_code, b.year"
)

DUPLICATE_ENROLMENT = f"""
WITH e AS ({_ENROLMENT} WHERE p.target = 'household' AND en.status = 'active')
SELECT 'duplicate_enrolment', 'duplicate_enrolment:' || b.id, {_B},
       jsonb_build_object('other_enrolment', min(a.id))
FROM e b JOIN e a ON a.household_id = b.household_id AND a.cycle_id = b.cycle_id AND a.id < b.id
GROUP BY {_B}
"""

SAME_BENEFIT_KIND = f"""
WITH grp AS (
    SELECT COALESCE(options->>'benefit_group', kind) AS g FROM programs_programme
    GROUP BY 1 HAVING count(*) > 1
), e AS ({_ENROLMENT} WHERE en.status = 'active'
         AND COALESCE(p.options->>'benefit_group', p.kind) IN (SELECT g FROM grp))
SELECT 'same_benefit_kind', 'same_benefit_kind:' || b.id, {_B},
       jsonb_build_object('other_enrolment', min(a.id), 'benefit_group', b.benefit_group)
FROM e b JOIN e a ON a.benefit_group = b.benefit_group AND a.unit = b.unit AND a.year = b.year
                 AND a.programme_id <> b.programme_id AND a.id < b.id
GROUP BY {_B}, b.benefit_group
"""

EXCLUSIVE_PROGRAMMES = f"""
WITH pairs AS (
    SELECT programme_id AS p1, other_programme_id AS p2 FROM overlap_exclusivepair
    WHERE other_programme_id IS NOT NULL
    UNION SELECT from_programme_id, to_programme_id FROM programs_programme_excludes
), sym AS (SELECT p1, p2 FROM pairs UNION SELECT p2, p1 FROM pairs),
e AS ({_ENROLMENT} WHERE en.status = 'active' AND en.programme_id IN (SELECT p1 FROM sym)),
-- The later enrolment's beneficiary unit, as the programme core refuses the second one: a
-- household programme clashes with any member's enrolment, a person's with their own.
clash AS (
    SELECT b.id AS b_id, a.id AS a_id FROM e b
    JOIN e a ON a.household_id = b.household_id AND a.year = b.year AND a.id < b.id
    JOIN sym ON sym.p1 = a.programme_id AND sym.p2 = b.programme_id
    WHERE b.target = 'household'
    UNION ALL
    SELECT b.id, a.id FROM e b
    JOIN e a ON a.person_id = b.person_id AND a.year = b.year AND a.id < b.id
    JOIN sym ON sym.p1 = a.programme_id AND sym.p2 = b.programme_id
    WHERE b.target <> 'household'
)
SELECT 'exclusive_programmes', 'exclusive_programmes:' || b.id, {_B},
       jsonb_build_object('other_enrolment', min(c.a_id))
FROM clash c JOIN e b ON b.id = c.b_id
GROUP BY {_B}
"""

NATIONAL_LIST = f"""
WITH b AS ({_ENROLMENT} WHERE en.status = 'active'
           AND en.programme_id IN (SELECT programme_id FROM overlap_exclusivepair
                                   WHERE national_list <> ''))
SELECT 'national_list', 'national_list:' || b.id || ':' || x.national_list, {_B},
       jsonb_build_object('list', x.national_list)
FROM b
JOIN overlap_exclusivepair x ON x.programme_id = b.programme_id AND x.national_list <> ''
JOIN overlap_nationallist nl ON nl.kind = x.national_list AND nl.year = b.year
JOIN registry_person pe ON pe.id = b.person_id
WHERE EXISTS (SELECT 1 FROM overlap_nationallistentry ne
              WHERE ne.national_list_id = nl.id AND ne.nik = pe.nik)
"""

FREQUENCY_LIMIT = f"""
WITH e AS ({_ENROLMENT} WHERE p.frequency_years IS NOT NULL)
SELECT 'frequency_limit', 'frequency_limit:' || b.id, {_B},
       jsonb_build_object('other_enrolment', max(a.id), 'years', b.frequency_years)
FROM e b
JOIN e a ON a.programme_id = b.programme_id AND a.unit = b.unit AND a.cycle_id <> b.cycle_id
        AND (a.enrolled_on, a.id) < (b.enrolled_on, b.id)
        AND {clash_sql("a.enrolled_on", "b.enrolled_on", "b.frequency_years")}
WHERE b.status = 'active'
GROUP BY {_B}, b.frequency_years
"""

# The same name and date of birth in two active households, where at least one of the two
# has no NIK (two different valid NIKs are two namesakes, not one person).
PERSON_TWO_HOUSEHOLDS = f"""
SELECT 'person_two_households',
       'person_two_households:' || least(n.id, p.id) || ':' || greatest(n.id, p.id),
       n.id, n.household_id, NULL::bigint, NULL::bigint, NULL::bigint, '{REGISTRY_OWNER}',
       h.kelurahan_code, NULL::int,
       jsonb_build_object('other_person', p.id, 'other_household', p.household_id)
FROM registry_person n
JOIN registry_person p ON p.name_normalized = n.name_normalized AND p.birth_date = n.birth_date
                      AND p.household_id <> n.household_id AND NOT p.is_deceased
                      AND (p.nik IS NOT NULL OR p.id > n.id)
JOIN registry_household h ON h.id = n.household_id AND h.status = 'active'
JOIN registry_household h2 ON h2.id = p.household_id AND h2.status = 'active'
WHERE n.nik IS NULL AND NOT n.is_deceased AND n.household_id IS NOT NULL
"""

LIST_NIK_CONFLICT = f"""
WITH c AS (
    SELECT nl.year, ne.nik,
           count(DISTINCT NULLIF(ne.name_normalized, '')) AS names,
           count(DISTINCT NULLIF(ne.kk, '')) AS family_cards,
           array_agg(DISTINCT nl.kind ORDER BY nl.kind) AS lists
    FROM overlap_nationallistentry ne
    JOIN overlap_nationallist nl ON nl.id = ne.national_list_id
    GROUP BY nl.year, ne.nik
    HAVING count(DISTINCT NULLIF(ne.name_normalized, '')) > 1
        OR count(DISTINCT NULLIF(ne.kk, '')) > 1
)
SELECT 'list_nik_conflict', 'list_nik_conflict:' || c.year || ':' || md5(c.nik),
       pe.id, pe.household_id, NULL::bigint, NULL::bigint, NULL::bigint, '{REGISTRY_OWNER}',
       COALESCE(h.kelurahan_code, ''), c.year,
       jsonb_build_object('names', c.names, 'family_cards', c.family_cards, 'lists', c.lists,
                          'nik_end', right(c.nik, 4))
FROM c
LEFT JOIN registry_person pe ON pe.nik = c.nik
LEFT JOIN registry_household h ON h.id = pe.household_id
"""


def _gone(*, registry_where: str, date_column: str, outcome: str, rule: str) -> str:
    """Active enrolments and live applications of persons who died or moved away, by the
    registry or by a Dukcapil matching outcome not rejected on review and not contradicted
    by a later match of the same person."""
    return f"""
WITH gone AS (
    SELECT id AS person_id, {date_column} AS on_date, 'registry' AS source
    FROM registry_person WHERE {registry_where}
    UNION ALL
    SELECT o.person_id, o.event_date, 'dukcapil' FROM dukcapil_matchoutcome o
    WHERE o.outcome = '{outcome}' AND o.review_status <> 'rejected'
      AND NOT EXISTS (SELECT 1 FROM dukcapil_matchoutcome l
                      WHERE l.person_id = o.person_id AND l.created_at > o.created_at
                        AND l.outcome IN ('matched', 'differences'))
), g AS (
    SELECT person_id, min(on_date) AS on_date, string_agg(DISTINCT source, ',') AS source
    FROM gone GROUP BY person_id
)
SELECT '{rule}', '{rule}:e' || b.id, {_B},
       jsonb_build_object('date', g.on_date, 'source', g.source)
FROM g JOIN ({_ENROLMENT} WHERE en.status = 'active') b ON b.person_id = g.person_id
UNION ALL
SELECT '{rule}', '{rule}:a' || ap.id, ap.person_id, ap.household_id, NULL::bigint, ap.id,
       ap.programme_id, ag.code, ap.kelurahan_code, c.year,
       jsonb_build_object('date', g.on_date, 'source', g.source, 'state', ap.state)
FROM g
JOIN programs_application ap ON ap.person_id = g.person_id
                            AND ap.state IN {PENDING_APPLICATION_STATES}
JOIN programs_cycle c ON c.id = ap.cycle_id
JOIN programs_programme p ON p.id = ap.programme_id
JOIN programs_agency ag ON ag.id = p.agency_id
"""


DECEASED_RECIPIENT = _gone(
    registry_where="is_deceased",
    date_column="death_date",
    outcome="deceased",
    rule="deceased_recipient",
)
MOVED_OUT_RECIPIENT = _gone(
    registry_where="moved_out_on IS NOT NULL AND household_id IS NULL AND NOT is_deceased",
    date_column="moved_out_on",
    outcome="moved_out",
    rule="moved_out_recipient",
)

INCLUSION_ERROR = f"""
WITH t AS (
    SELECT * FROM unnest(%(t_ids)s::bigint[], %(t_classes)s::text[], %(t_desil)s::int[])
        AS t(programme_id, classes, desil_max)
)
SELECT 'inclusion_error', 'inclusion_error:' || b.id, {_B},
       jsonb_build_object('desil', h.desil, 'poverty_class', h.poverty_class,
                          'desil_max', t.desil_max, 'classes', t.classes)
FROM t
JOIN ({_ENROLMENT} WHERE en.status = 'active' AND en.year = %(year)s) b
  ON b.programme_id = t.programme_id
JOIN registry_household h ON h.id = b.household_id
WHERE NOT {POVERTY_SQL}
"""

# A household poor by some programme's configured poverty rule (as `INCLUSION_ERROR` reads
# them) that receives nothing this year.
EXCLUSION_ERROR = f"""
WITH t AS (
    SELECT * FROM unnest(%(t_ids)s::bigint[], %(t_classes)s::text[], %(t_desil)s::int[])
        AS t(programme_id, classes, desil_max)
)
SELECT 'exclusion_error', 'exclusion_error:' || h.id || ':' || %(year)s, NULL::bigint, h.id,
       NULL::bigint, NULL::bigint, NULL::bigint, '{REGISTRY_OWNER}', h.kelurahan_code,
       %(year)s::int,
       jsonb_build_object('desil', h.desil, 'poverty_class', h.poverty_class)
FROM registry_household h
WHERE h.status = 'active' AND EXISTS (SELECT 1 FROM t WHERE {POVERTY_SQL})
  AND NOT EXISTS (SELECT 1 FROM programs_enrolment en
                  WHERE en.household_id = h.id AND en.year = %(year)s AND en.status = 'active')
  AND EXISTS (SELECT 1 FROM registry_person pe
              WHERE pe.household_id = h.id AND NOT pe.is_deceased)
"""

HOUSEHOLD_CAP = f"""
SELECT 'household_cap', 'household_cap:' || en.household_id || ':' || en.year,
       NULL::bigint, en.household_id, NULL::bigint, NULL::bigint, NULL::bigint,
       '{REGISTRY_OWNER}', min(en.kelurahan_code), en.year,
       jsonb_build_object('total', sum(en.amount), 'cap', %(cap)s::numeric,
                          'enrolments', count(*))
FROM programs_enrolment en
WHERE en.household_id IS NOT NULL AND en.status = 'active'
GROUP BY en.household_id, en.year
HAVING sum(en.amount) > %(cap)s::numeric
"""

RULE_SQL: dict[str, str] = {
    "duplicate_enrolment": DUPLICATE_ENROLMENT,
    "same_benefit_kind": SAME_BENEFIT_KIND,
    "exclusive_programmes": EXCLUSIVE_PROGRAMMES,
    "national_list": NATIONAL_LIST,
    "frequency_limit": FREQUENCY_LIMIT,
    "person_two_households": PERSON_TWO_HOUSEHOLDS,
    "list_nik_conflict": LIST_NIK_CONFLICT,
    "deceased_recipient": DECEASED_RECIPIENT,
    "moved_out_recipient": MOVED_OUT_RECIPIENT,
    "inclusion_error": INCLUSION_ERROR,
    "exclusion_error": EXCLUSION_ERROR,
    "household_cap": HOUSEHOLD_CAP,
}
assert set(RULE_SQL) == {r.code for r in RULES}  # noqa: S101 - a declaration without SQL

_STAGE_CREATE = """
CREATE TEMP TABLE IF NOT EXISTS overlap_hits (
    rule text, fingerprint text, person_id bigint, household_id bigint, enrolment_id bigint,
    application_id bigint, programme_id bigint, agency_code text, kelurahan_code text,
    year int, details jsonb
)
"""

_SPECS = """
unnest(%(codes)s::text[], %(severities)s::text[], %(blocks)s::bool[]) AS s(code, severity, blocks)
"""

_REOPEN = """
WITH re AS (
    UPDATE overlap_finding f SET status = 'open', closed_at = NULL, last_seen = %(now)s,
           details = h.details
    FROM overlap_hits h WHERE f.fingerprint = h.fingerprint AND f.status = 'closed'
    RETURNING f.id
)
INSERT INTO overlap_findingevent (finding_id, kind, reason, created_at)
SELECT id, 'reopened', '', %(now)s FROM re
"""

_TOUCH = f"""
UPDATE overlap_finding f
SET last_seen = %(now)s, details = h.details, year = h.year, enrolment_id = h.enrolment_id,
    application_id = h.application_id, kelurahan_code = COALESCE(h.kelurahan_code, ''),
    severity = s.severity, blocks = s.blocks
FROM overlap_hits h JOIN {_SPECS} ON s.code = h.rule
WHERE f.fingerprint = h.fingerprint AND f.last_seen < %(now)s
"""

_INSERT = f"""
WITH ins AS (
    INSERT INTO overlap_finding (rule, fingerprint, severity, blocks, status, reason, person_id,
        household_id, enrolment_id, application_id, programme_id, agency_code, kelurahan_code,
        year, details, first_seen, last_seen)
    SELECT h.rule, h.fingerprint, s.severity, s.blocks, 'open', '', h.person_id,
           h.household_id, h.enrolment_id, h.application_id, h.programme_id, h.agency_code,
           COALESCE(h.kelurahan_code, ''), h.year, h.details, %(now)s, %(now)s
    FROM overlap_hits h JOIN {_SPECS} ON s.code = h.rule
    ON CONFLICT (fingerprint) DO NOTHING
    RETURNING id
)
INSERT INTO overlap_findingevent (finding_id, kind, reason, created_at)
SELECT id, 'opened', '', %(now)s FROM ins
"""

# The targeting rules look at the run's year only: a run closes their findings of that year.
ONE_YEAR_RULES = ["inclusion_error", "exclusion_error"]

_CLOSE = """
WITH cl AS (
    UPDATE overlap_finding f SET status = 'closed', closed_at = %(now)s
    WHERE f.status IN ('open', 'confirmed') AND f.rule = ANY(%(rules)s)
      AND (%(programme)s::bigint IS NULL OR f.programme_id = %(programme)s::bigint)
      AND (f.year = %(year)s OR NOT f.rule = ANY(%(one_year_rules)s))
      AND NOT EXISTS (SELECT 1 FROM overlap_hits h WHERE h.fingerprint = f.fingerprint)
    RETURNING f.id
)
INSERT INTO overlap_findingevent (finding_id, kind, reason, created_at)
SELECT id, 'closed', '', %(now)s FROM cl
"""


@dataclass
class DetectionResult:
    hits: dict[str, int] = field(default_factory=dict)
    opened: int = 0
    reopened: int = 0
    closed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "hits": self.hits,
            "opened": self.opened,
            "reopened": self.reopened,
            "closed": self.closed,
        }


def detect(
    *,
    year: int,
    cap: Decimal,
    programme_id: int | None = None,
    rules: Sequence[str] | None = None,
    on_rule: Callable[[int, str], None] | None = None,
) -> DetectionResult:
    """Run the rules (all, or `rules`), over the city or one programme, and reconcile."""
    codes = [r.code for r in RULES if rules is None or r.code in rules]
    params: dict[str, Any] = {"year": year, "cap": cap, **targeting_params(year)}
    result = DetectionResult()
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_CREATE)
        cursor.execute("TRUNCATE overlap_hits")
        for i, code in enumerate(codes, start=1):
            sql = RULE_SQL[code]
            if programme_id is not None:
                sql = (
                    f"SELECT * FROM ({sql}) AS r({HIT_COLUMNS})"
                    " WHERE r.programme_id = %(programme)s"
                )
            cursor.execute(
                f"INSERT INTO overlap_hits ({HIT_COLUMNS}) {sql}",
                {**params, "programme": programme_id},
            )
            result.hits[code] = cursor.rowcount
            if on_rule is not None:
                on_rule(i, code)
        cursor.execute("ANALYZE overlap_hits")
        specs = [r for r in RULES if r.code in codes]
        reconcile: dict[str, Any] = {
            "now": timezone.now(),
            "codes": [r.code for r in specs],
            "severities": [str(r.severity) for r in specs],
            "blocks": [r.blocks for r in specs],
            "rules": codes,
            "programme": programme_id,
            "year": year,
            "one_year_rules": ONE_YEAR_RULES,
        }
        with transaction.atomic():
            cursor.execute(_REOPEN, reconcile)
            result.reopened = cursor.rowcount
            cursor.execute(_TOUCH, reconcile)
            cursor.execute(_INSERT, reconcile)
            result.opened = cursor.rowcount
            cursor.execute(_CLOSE, reconcile)
            result.closed = cursor.rowcount
        cursor.execute("TRUNCATE overlap_hits")
    return result
