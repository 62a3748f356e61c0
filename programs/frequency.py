"""The frequency limit ("no repeat within N years"): its one definition.

Two enrolments of the same beneficiary (a person, or the household for a household
programme) in the same programme but different cycles clash when the later one was
enrolled less than N years after the earlier one: the same date N years on is allowed, and
29 February plus N years is 28 February when that year has none (PostgreSQL's rule for a
date plus an interval of years, so the two forms below agree on it).

The definition yields both forms that use it: `clash` for the programme core's check of one
candidate (whose enrolment date is the day it is evaluated), and `clash_sql` for the
detection that runs over the whole city at night. `tests/programs/test_frequency.py`
generates enrolment histories and asserts that the two give the same verdict.
"""

from __future__ import annotations

from datetime import date


def years_after(day: date, years: int) -> date:
    """`day` plus `years` calendar years; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def clash(one: date, other: date, years: int) -> bool:
    """Whether two enrolment dates are closer than the limit of `years` years."""
    earlier, later = sorted((one, other))
    return later < years_after(earlier, years)


def clash_sql(one: str, other: str, years: str) -> str:
    """The same test as SQL over two date expressions and an integer expression."""
    return (
        f"greatest({one}, {other}) < "
        f"(least({one}, {other}) + make_interval(years => {years}))::date"
    )
