"""Helpers for programme tests: applicants in a given state, and open cycles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from programs.models import Cycle, Programme
from programs.services import cycle_open
from registry.models import Household, Person
from tests.registry.factories import KELURAHAN_DEPOK, HouseholdFactory, PersonFactory

# The programme detail of a KIS PBI-APBD application (no JKN membership yet).
KIS = {"jkn_segment": "none"}


def applicant(
    *,
    kelurahan: str = KELURAHAN_DEPOK,
    desil: int | None = 3,
    poverty_class: str = "miskin",
    household: Household | None = None,
    **person: Any,
) -> Person:
    """A person with a NIK in a household of the given desil and class."""
    if household is None:
        household = HouseholdFactory(
            kelurahan_id=kelurahan, desil=desil, poverty_class=poverty_class
        )
    return PersonFactory(household=household, **person)


def programme(code: str) -> Programme:
    return Programme.objects.select_related("agency").get(code=code)


def open_cycle(
    code: str, *, year: int = 2026, quota: int = 100, tahap: int = 0, amount: Decimal | None = None
) -> Cycle:
    existing = Cycle.objects.filter(programme__code=code, year=year, tahap=tahap).first()
    if existing is not None:
        return existing
    return cycle_open(
        actor=None,
        programme_id=programme(code).pk,
        year=year,
        tahap=tahap,
        quota=quota,
        amount=amount,
    )


ELDERLY = date(1950, 1, 1)
