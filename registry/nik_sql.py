"""The NIK rules of `registry.nik` as SQL, for set-based counts over the whole city.

`parse_nik` refuses a NIK whose kab/kota is unknown, whose day or month field is impossible
or whose serial is 0000; `check_nik_against` warns when a valid NIK's sex or day, month and
two-digit year disagree with the recorded ones. These expressions say the same over a
table's columns; tests generate many NIKs and assert that both readings agree. Bind the
known kab/kota codes as `%(kabkota_codes)s` (`kabkota_code_list()`).
"""

from __future__ import annotations

from registry.nik import FEMALE_DAY_OFFSET, kabkota_codes


def kabkota_code_list() -> list[str]:
    return sorted(kabkota_codes())


def _day_field(nik: str) -> str:
    return f"substr({nik}, 7, 2)::int"


def _month(nik: str) -> str:
    return f"substr({nik}, 9, 2)::int"


def _day(nik: str) -> str:
    field = _day_field(nik)
    offset = FEMALE_DAY_OFFSET
    return f"({field} - CASE WHEN {field} > {offset} THEN {offset} ELSE 0 END)"


def nik_sex_sql(nik: str) -> str:
    """The sex ('M'/'F') a NIK's day field encodes."""
    return f"CASE WHEN {_day_field(nik)} > {FEMALE_DAY_OFFSET} THEN 'F' ELSE 'M' END"


def nik_damaged_sql(nik: str) -> str:
    """True where the stored 16 digits are no NIK `parse_nik` accepts.

    The calendar is read in 2000 + yy: a 29 February is accepted when some century makes it
    a date, and 2000 is a leap year. Every month has a 28th: the month's length is computed
    only for a later day (a date computed for each of two million persons is most of the
    cost of a city-wide count).
    """
    field, month, day = _day_field(nik), _month(nik), _day(nik)
    # CASE, not OR: make_date must never see an impossible month.
    return f"""(CASE
        WHEN left({nik}, 4) <> ALL(%(kabkota_codes)s::text[]) THEN true
        WHEN right({nik}, 4) = '0000' THEN true
        WHEN NOT ({field} BETWEEN 1 AND 31
                  OR {field} BETWEEN {1 + FEMALE_DAY_OFFSET} AND {31 + FEMALE_DAY_OFFSET})
             THEN true
        WHEN NOT {month} BETWEEN 1 AND 12 THEN true
        WHEN {day} <= 28 THEN false
        ELSE {day} > date_part('day', make_date(2000 + substr({nik}, 11, 2)::int, {month}, 1)
                                      + interval '1 month - 1 day')
    END)"""


def nik_disagrees_sql(nik: str, sex: str, birth_date: str) -> str:
    """True where a NIK that is not damaged disagrees with the recorded sex or birth date.

    Use it beside `NOT nik_damaged_sql(...)`: on a damaged NIK its reading means nothing.
    """
    return f"""(
        {nik_sex_sql(nik)} <> {sex}
        OR {_day(nik)} <> date_part('day', {birth_date})
        OR {_month(nik)} <> date_part('month', {birth_date})
        OR substr({nik}, 11, 2)::int <> mod(date_part('year', {birth_date})::int, 100)
    )"""
