# ruff: noqa: S608 - every statement is built from this module's and the rules' constants.
"""The scorecard's measures: each one SQL statement over the whole city.

A measure's statement returns one row per thing to fix: `kelurahan_code, person_id,
household_id, ref_id, detail` (`ref_id` names the row the fix works on: an enrolment, a
Dukcapil outcome, the other household; `detail` says which case of the measure it is).
Counting groups it by kelurahan; a drill-down list reads the same statement for one
kelurahan, so a count and its list never disagree. Rules that exist elsewhere are not
written again: the NIK rules come from `registry.nik_sql`, "deceased or moved, still
enrolled" and "one person in two households" from overlap detection.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from programs.overlap.detection import (
    DECEASED_RECIPIENT,
    HIT_COLUMNS,
    MOVED_OUT_RECIPIENT,
    PERSON_TWO_HOUSEHOLDS,
)
from registry.nik_sql import nik_damaged_sql, nik_disagrees_sql, nik_sex_sql

ROW_COLUMNS = ("kelurahan_code", "person_id", "household_id", "ref_id", "detail")
PERSONS, HOUSEHOLDS = "persons", "households"

# Living members of active households: the persons a kelurahan's shares are of.
LIVING_MEMBERS = """
    registry_person p JOIN registry_household h ON h.id = p.household_id AND h.status = 'active'
"""
# Each person's latest Dukcapil matching outcome.
LATEST_OUTCOME = """
    SELECT DISTINCT ON (person_id) person_id, id, outcome FROM dukcapil_matchoutcome
    ORDER BY person_id, created_at DESC, id DESC
"""
CONFIRMED_OUTCOMES = "('matched', 'differences')"

NIK_MISSING = f"""
SELECT h.kelurahan_code, p.id, h.id, NULL::bigint, 'missing'
FROM {LIVING_MEMBERS}
WHERE p.nik IS NULL AND NOT p.is_deceased
"""

NIK_UNCONFIRMED = f"""
WITH latest AS ({LATEST_OUTCOME})
SELECT h.kelurahan_code, p.id, h.id, l.id, coalesce(l.outcome, 'never_matched')
FROM {LIVING_MEMBERS}
LEFT JOIN latest l ON l.person_id = p.id
WHERE p.nik IS NOT NULL AND NOT p.is_deceased
  AND (l.outcome IS NULL OR l.outcome NOT IN {CONFIRMED_OUTCOMES})
"""

NIK_DISAGREES = f"""
SELECT h.kelurahan_code, p.id, h.id, NULL::bigint,
       CASE WHEN {nik_sex_sql("p.nik")} <> p.sex THEN 'sex' ELSE 'birth_date' END
FROM {LIVING_MEMBERS}
WHERE p.nik IS NOT NULL AND NOT p.is_deceased
  AND NOT {nik_damaged_sql("p.nik")}
  AND {nik_disagrees_sql("p.nik", "p.sex", "p.birth_date")}
"""

# A damaged NIK: one the import kept as typed beside a member it could not accept it for
# (`nik_unverified`), a stored NIK that breaks the NIK rules, or one Dukcapil's matching
# found probably mistyped.
NIK_DAMAGED = f"""
WITH latest AS ({LATEST_OUTCOME})
SELECT h.kelurahan_code, p.id, h.id, l.id,
       CASE WHEN p.nik IS NULL THEN 'kept_as_typed'
            WHEN {nik_damaged_sql("p.nik")} THEN 'structure' ELSE 'nik_mistyped' END
FROM {LIVING_MEMBERS}
LEFT JOIN latest l ON l.person_id = p.id
WHERE NOT p.is_deceased
  AND ((p.nik IS NULL AND p.nik_unverified <> '')
       OR (p.nik IS NOT NULL AND ({nik_damaged_sql("p.nik")} OR l.outcome = 'nik_mistyped')))
"""

ASSESSMENT_STALE = """
SELECT h.kelurahan_code, h.head_id, h.id, NULL::bigint,
       CASE WHEN h.assessed_on IS NULL THEN 'never' ELSE 'old' END
FROM registry_household h
WHERE h.status = 'active' AND (h.assessed_on IS NULL OR h.assessed_on < %(year_ago)s)
"""

# A DTSEN ranking holds until a later one replaces it (`registry.dtsen`): a household's desil
# is current as long as it has one.
DESIL_MISSING = """
SELECT h.kelurahan_code, h.head_id, h.id, NULL::bigint, 'none'
FROM registry_household h
WHERE h.status = 'active' AND h.desil IS NULL
"""

# One row per person: their first active enrolment is the one the list opens.
GONE_ENROLLED = f"""
SELECT min(x.kelurahan_code), x.person_id, min(x.household_id), min(x.enrolment_id),
       min(x.rule)
FROM (({DECEASED_RECIPIENT}) UNION ALL ({MOVED_OUT_RECIPIENT})) AS x({HIT_COLUMNS})
WHERE x.enrolment_id IS NOT NULL
GROUP BY x.person_id
"""

TWO_HOUSEHOLDS = f"""
SELECT x.kelurahan_code, x.person_id, x.household_id,
       (x.details->>'other_household')::bigint, 'copy_without_nik'
FROM ({PERSON_TWO_HOUSEHOLDS}) AS x({HIT_COLUMNS})
"""

DUKCAPIL_REVIEW = """
SELECT o.kelurahan_code, o.person_id, p.household_id, o.id, o.outcome
FROM dukcapil_matchoutcome o JOIN registry_person p ON p.id = o.person_id
WHERE o.review_status = 'pending'
"""


@dataclass(frozen=True)
class Measure:
    code: str
    label: Promise
    description: Promise
    base: str  # PERSONS or HOUSEHOLDS: what the share is of
    sql: str
    fix: str  # how a row is fixed: the page its link opens (see `selectors.fix_url`)


MEASURES: tuple[Measure, ...] = (
    Measure(
        "nik_missing",
        _("Members without a NIK"),
        _("Living members of active households with no NIK recorded."),
        PERSONS,
        NIK_MISSING,
        "household",
    ),
    Measure(
        "nik_unconfirmed",
        _("NIKs not confirmed by Dukcapil"),
        _("NIKs never matched with Dukcapil, or whose latest matching did not confirm them."),
        PERSONS,
        NIK_UNCONFIRMED,
        "outcome_or_household",
    ),
    Measure(
        "nik_disagrees",
        _("NIKs disagreeing with sex or birth date"),
        _("The sex or the date of birth the NIK encodes differs from the recorded one."),
        PERSONS,
        NIK_DISAGREES,
        "household",
    ),
    Measure(
        "nik_damaged",
        _("Damaged NIKs"),
        _(
            "NIKs kept as typed because they could not be accepted, stored NIKs that break "
            "the NIK rules, or NIKs Dukcapil found probably mistyped."
        ),
        PERSONS,
        NIK_DAMAGED,
        "outcome_or_household",
    ),
    Measure(
        "assessment_stale",
        _("Households not assessed within a year"),
        _("Active households never assessed, or last assessed more than a year ago."),
        HOUSEHOLDS,
        ASSESSMENT_STALE,
        "assessment",
    ),
    Measure(
        "desil_missing",
        _("Households without a current desil"),
        _("No DTSEN ranking of the family or of a member matched."),
        HOUSEHOLDS,
        DESIL_MISSING,
        "desil",
    ),
    Measure(
        "gone_enrolled",
        _("Deceased or moved persons still enrolled"),
        _("Persons who died or moved out of Depok with an active enrolment."),
        PERSONS,
        GONE_ENROLLED,
        "enrolment",
    ),
    Measure(
        "two_households",
        _("One person in two households"),
        _(
            "The same name and date of birth in two active households, one of them without "
            "a NIK (a NIK itself is held once: the registry refuses a second)."
        ),
        PERSONS,
        TWO_HOUSEHOLDS,
        "household",
    ),
    Measure(
        "dukcapil_review",
        _("Dukcapil review items waiting"),
        _("Matching outcomes waiting for a person's confirmation or rejection."),
        PERSONS,
        DUKCAPIL_REVIEW,
        "outcome",
    ),
)
MEASURE_CODES: list[str] = [m.code for m in MEASURES]
MEASURES_BY_CODE: dict[str, Measure] = {m.code: m for m in MEASURES}

BASE_SQL = {
    PERSONS: f"""
        SELECT h.kelurahan_code, count(*) FROM {LIVING_MEMBERS}
        WHERE NOT p.is_deceased GROUP BY 1
    """,
    HOUSEHOLDS: """
        SELECT kelurahan_code, count(*) FROM registry_household WHERE status = 'active' GROUP BY 1
    """,
}

# What a row's `detail` says, for the list; an outcome code reads as the outcome's label.
DETAIL_LABELS: dict[str, Promise] = {
    "missing": _("No NIK"),
    "never_matched": _("Never matched with Dukcapil"),
    "sex": _("Sex differs from the NIK"),
    "birth_date": _("Date of birth differs from the NIK"),
    "structure": _("Breaks the NIK rules"),
    "kept_as_typed": _("Kept as typed, not accepted (unverified)"),
    "never": _("Never assessed"),
    "old": _("Out of date"),
    "none": _("No desil"),
    "deceased_recipient": _("Deceased"),
    "moved_out_recipient": _("Moved out of Depok"),
    "copy_without_nik": _("A copy without NIK in another household"),
}
