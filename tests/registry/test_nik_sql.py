"""The NIK rules as SQL say what `parse_nik` and `check_nik_against` say, over many NIKs."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.db import connection

from registry.nik import NikError, check_nik_against, parse_nik
from registry.nik_sql import kabkota_code_list, nik_damaged_sql, nik_disagrees_sql

pytestmark = pytest.mark.django_db
REFERENCE = date(2026, 6, 1)


def _python(nik: str, sex: str, born: date) -> tuple[bool, bool]:
    try:
        parsed = parse_nik(nik, reference_date=REFERENCE)
    except NikError:
        return True, False
    codes = {w.code for w in check_nik_against(parsed, sex=sex, birth_date=born)}
    return False, bool(codes & {"sex_mismatch", "birth_date_mismatch"})


def _cases(n: int) -> list[tuple[str, str, date]]:
    rng = random.Random(2026)
    regions = ["327601", "327602", "317101", "999901", "320101"]
    cases = []
    for _ in range(n):
        born = date(1920, 1, 1) + timedelta(days=rng.randrange(38000))
        sex = rng.choice("MF")
        day = rng.choice([born.day, born.day + 40, rng.randrange(0, 100)])
        month = rng.choice([born.month, born.month, rng.randrange(0, 14)])
        yy = rng.choice([born.year % 100, born.year % 100, rng.randrange(100)])
        serial = rng.choice(["0001", "0042", "0000"])
        cases.append((f"{rng.choice(regions)}{day:02d}{month:02d}{yy:02d}{serial}", sex, born))
    # The calendar's edges: 29 February in a leap and a common year, 31 April.
    cases += [
        ("3276012902000001", "M", date(2000, 2, 29)),
        ("3276012902010001", "M", date(2001, 3, 1)),
        ("3276016902960001", "F", date(1996, 2, 29)),
        ("3276013104800001", "M", date(1980, 4, 30)),
    ]
    return cases


def test_sql_and_python_agree_on_damaged_and_disagreeing_niks():
    cases = _cases(3000)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT t.nik, {nik_damaged_sql("t.nik")},
                   CASE WHEN {nik_damaged_sql("t.nik")} THEN false
                        ELSE {nik_disagrees_sql("t.nik", "t.sex", "t.born")} END
            FROM unnest(%(niks)s::text[], %(sexes)s::text[], %(borns)s::date[])
                 AS t(nik, sex, born)
            """,  # noqa: S608 - built from the module's expressions
            {
                "niks": [c[0] for c in cases],
                "sexes": [c[1] for c in cases],
                "borns": [c[2] for c in cases],
                "kabkota_codes": kabkota_code_list(),
            },
        )
        sql = cursor.fetchall()
    disagreements = [
        (nik, (damaged, disagrees), _python(nik, sex, born))
        for (nik, damaged, disagrees), (_n, sex, born) in zip(sql, cases, strict=True)
        if (damaged, disagrees) != _python(nik, sex, born)
    ]
    assert disagreements == []
    damaged = sum(1 for _n, d, _x in sql if d)
    assert 300 < damaged < 2700  # both kinds are well represented
