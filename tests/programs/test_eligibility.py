"""The declarative rules, as plain functions over plain values (no database)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from programs.eligibility import (
    POVERTY_SQL,
    Facts,
    RuleError,
    evaluate,
    failed,
    poverty_holds,
    validate_rules,
)

ON = date(2026, 3, 1)


def _one(rule: dict, **facts) -> tuple[bool, str, dict]:
    (outcome,) = evaluate([rule], Facts(on=ON, **facts))
    return outcome.passed, outcome.message, outcome.params


def test_depok_resident_by_kk_address():
    assert _one({"rule": "depok_resident"}, kelurahan_code="32.76.01.1006")[0]
    assert not _one({"rule": "depok_resident"}, kelurahan_code="32.01.01.1001")[0]


def test_poverty_passes_by_desil_within_limit():
    assert _one({"rule": "poverty", "desil_max": 5}, desil=5)[0]
    passed, _, params = _one({"rule": "poverty", "desil_max": 5}, desil=6)
    assert not passed and params["desil"] == 6


def test_poverty_passes_by_local_class_when_desil_is_missing():
    rule = {"rule": "poverty", "classes": ["miskin"], "desil_max": 5}
    assert _one(rule, poverty_class="miskin", desil=None)[0]
    assert not _one(rule, poverty_class="tidak_miskin", desil=None)[0]


def test_age_limits():
    rule = {"rule": "age", "min": 15, "max": 60}
    assert _one(rule, birth_date=date(2000, 1, 1))[0]
    assert not _one(rule, birth_date=date(2015, 1, 1))[0]
    assert not _one(rule, birth_date=None)[0]


def test_age_counts_the_birthday_exactly():
    assert Facts(on=date(2026, 2, 28), birth_date=date(2011, 3, 1)).age == 14
    assert Facts(on=date(2026, 3, 1), birth_date=date(2011, 3, 1)).age == 15


def test_disability_rule():
    assert _one({"rule": "disability"}, disability="physical")[0]
    assert not _one({"rule": "disability"}, disability="none")[0]


def test_school_level_rule():
    assert _one({"rule": "school_level", "levels": ["sd", "smp"]}, school_level="smp")[0]
    assert not _one({"rule": "school_level", "levels": ["sd"]}, school_level="sma")[0]


def test_elderly_or_disabled():
    rule = {"rule": "elderly_or_disabled", "age_min": 60}
    assert _one(rule, birth_date=date(1950, 1, 1))[0]
    assert _one(rule, birth_date=date(1990, 1, 1), disability="sensory")[0]
    assert not _one(rule, birth_date=date(1990, 1, 1))[0]


def test_alive_rule():
    assert not _one({"rule": "alive"}, is_deceased=True)[0]


def test_every_outcome_is_reported_in_order_with_failures_listed():
    rules = [{"rule": "depok_resident"}, {"rule": "poverty", "desil_max": 5}]
    outcomes = evaluate(rules, Facts(on=ON, kelurahan_code="32.76.01.1006", desil=9))
    assert [o.rule for o in outcomes] == ["depok_resident", "poverty"]
    assert [o.rule for o in failed(outcomes)] == ["poverty"]
    assert "9" in outcomes[1].text(str)


@pytest.mark.parametrize("rules", [[{"rule": "unknown"}], [{"rule": "age"}], [{"rule": "poverty"}]])
def test_malformed_rules_are_refused(rules):
    with pytest.raises(RuleError):
        validate_rules(rules)


POVERTY_CLASSES = ["miskin", "rentan", "tidak_miskin", ""]


@pytest.mark.django_db
def test_the_poverty_rule_and_its_sql_give_the_same_verdict():
    """`poverty_holds` (one application) and `POVERTY_SQL` (inclusion- and exclusion-error
    detection over the city) are one rule: every combination gets one verdict."""
    cases = [
        (desil, klass, desil_max, classes)
        for desil in (None, 1, 5, 6, 10)
        for klass in POVERTY_CLASSES
        for desil_max in (None, 1, 5)
        for classes in ([], ["miskin"], ["miskin", "rentan"])
        if desil_max is not None or classes
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {POVERTY_SQL} FROM unnest(%s::int[], %s::text[], %s::int[], %s::text[]) "  # noqa: S608
            "WITH ORDINALITY AS c(desil, poverty_class, desil_max, classes, n), "
            "LATERAL (SELECT c.desil, c.poverty_class) h, "
            "LATERAL (SELECT c.desil_max, c.classes) t "
            "ORDER BY c.n",
            [
                [c[0] for c in cases],
                [c[1] for c in cases],
                [c[2] for c in cases],
                [",".join(c[3]) for c in cases],
            ],
        )
        in_sql = [bool(row[0]) for row in cursor.fetchall()]
    in_python = [
        poverty_holds({"desil_max": m, "classes": k}, desil=d, poverty_class=p)
        for d, p, m, k in cases
    ]
    assert in_sql == in_python
