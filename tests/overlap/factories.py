"""Helpers for overlap tests: enrolments planted directly (the detection reads tables)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from programs.models import Enrolment
from programs.overlap.services import detection_run
from registry.models import Person
from tests.programs.factories import open_cycle, programme

YEAR = 2026


def enrol(
    person: Person,
    code: str,
    *,
    year: int = YEAR,
    tahap: int = 0,
    on: date | None = None,
    amount: Decimal | None = None,
    household_id: int | None = -1,
) -> Enrolment:
    cycle = open_cycle(code, year=year, tahap=tahap, quota=1000)
    prog = programme(code)
    household = person.household_id if household_id == -1 else household_id
    return Enrolment.objects.create(
        programme=prog,
        cycle=cycle,
        year=year,
        person=person,
        household_id=household,
        kelurahan_code=person.household.kelurahan_id if person.household_id else "",
        source=Enrolment.Source.IMPORT,
        amount=cycle.amount if amount is None else amount,
        enrolled_on=on or date(year, 2, 1),
    )


def detect(year: int = YEAR, **kwargs: object) -> dict[str, int]:
    return detection_run(year=year, **kwargs).hits  # type: ignore[arg-type]
