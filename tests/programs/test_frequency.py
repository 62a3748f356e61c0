"""The frequency limit has one definition (`programs.frequency`): the programme core's check
and the nightly detection must give the same verdict for any enrolment history."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from programs.frequency import clash, clash_sql, years_after
from programs.kinds import Candidate
from programs.models import Enrolment
from programs.overlap.detection import detect
from programs.overlap.models import Finding
from programs.services import candidate_evaluate
from tests.programs.factories import applicant, open_cycle, programme

pytestmark = pytest.mark.django_db

LEAP_DAY = date(2020, 2, 29)
days = st.dates(min_value=date(2016, 1, 1), max_value=date(2030, 12, 31))
# Dates around the leap days and the same day some years on, where the two forms could part.
edges = st.sampled_from(
    [LEAP_DAY, date(2023, 2, 28), date(2023, 3, 1), date(2024, 2, 29), date(2021, 2, 28)]
)
any_day = st.one_of(days, edges)


def test_the_limit_counts_from_the_date_and_leap_day_falls_back():
    assert years_after(LEAP_DAY, 3) == date(2023, 2, 28)
    assert years_after(LEAP_DAY, 4) == date(2024, 2, 29)
    assert not clash(date(2021, 3, 1), date(2024, 3, 1), 3)  # the same date three years on
    assert clash(date(2021, 3, 1), date(2024, 2, 29), 3)
    assert not clash(LEAP_DAY, date(2023, 2, 28), 3)
    assert clash(LEAP_DAY, date(2023, 2, 27), 3)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pairs=st.lists(st.tuples(any_day, any_day, st.integers(1, 4)), min_size=1, max_size=40))
@example(pairs=[(date(2021, 3, 1), date(2024, 3, 1), 3), (LEAP_DAY, date(2023, 2, 28), 3)])
def test_the_python_and_the_sql_forms_agree_on_any_two_dates(pairs):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {clash_sql('a', 'b', 'n')} FROM unnest(%s::date[], %s::date[], %s::int[]) "  # noqa: S608
            "WITH ORDINALITY AS t(a, b, n, i) ORDER BY i",
            [[a for a, _b, _n in pairs], [b for _a, b, _n in pairs], [n for *_x, n in pairs]],
        )
        in_sql = [row[0] for row in cursor.fetchall()]
    assert in_sql == [clash(a, b, n) for a, b, n in pairs]


@st.composite
def histories(draw):
    """A programme, past enrolment dates (each in its own cycle) and the day of a new one."""
    code = draw(st.sampled_from(["rtlh", "pelatihan-keterampilan"]))
    today = draw(any_day)
    past = draw(
        st.lists(
            st.one_of(
                st.integers(0, 6 * 366).map(lambda back: today - timedelta(days=back)),
                st.integers(1, 4).map(lambda n: today.replace(year=today.year - n, day=28)),
                st.integers(1, 4).map(lambda n: years_after(today, -n)),
            ),
            max_size=4,
        )
    )
    return code, today, [on for on in past if on.year >= 2015]  # cycles start in 2015


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories())
@example(history=("rtlh", date(2024, 3, 1), [date(2021, 3, 1)]))
@example(history=("rtlh", date(2023, 2, 28), [LEAP_DAY]))
@example(history=("rtlh", date(2023, 2, 27), [LEAP_DAY]))
@example(history=("pelatihan-keterampilan", date(2024, 2, 29), [date(2022, 3, 1)]))
def test_the_core_refuses_exactly_what_detection_flags(history):
    code, today, past = history
    with transaction.atomic():
        person = applicant()
        prog = programme(code)
        for tahap, on in enumerate(past, start=1):
            cycle = open_cycle(code, year=on.year, tahap=tahap, quota=10)
            _enrol(prog, cycle, person, on)
        cycle = open_cycle(code, year=today.year, tahap=9, quota=10)
        candidate = Candidate(
            programme=prog, cycle=cycle, person=person, household=person.household,
            channel="agency", detail={}, on=today,
        )  # fmt: skip
        [outcome] = [o for o in candidate_evaluate(candidate) if o.rule == "frequency"]
        enrolment = _enrol(prog, cycle, person, today)
        detect(year=today.year, cap=Decimal(10**12), rules=["frequency_limit"])
        flagged = Finding.objects.filter(rule="frequency_limit", enrolment=enrolment).exists()
        assert outcome.passed is not flagged, (past, today)
        transaction.set_rollback(True)


def _enrol(prog, cycle, person, on) -> Enrolment:
    return Enrolment.objects.create(
        programme=prog, cycle=cycle, year=cycle.year, person=person,
        household=person.household, kelurahan_code=person.household.kelurahan_id,
        source=Enrolment.Source.IMPORT, amount=cycle.amount, enrolled_on=on,
    )  # fmt: skip
