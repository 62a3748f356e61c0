"""Helpers for DTSEN transition tests: households ranked in two quarters, KIS enrolments."""

from __future__ import annotations

from programs.models import Enrolment
from registry.dtsen import household_desil_refresh
from registry.models import DesilRecord, Household, Person
from tests.overlap.factories import enrol
from tests.programs.factories import applicant

BEFORE, QUARTER = "2025Q4", "2026Q1"
KIS = "kis-pbi-apbd"


def ranked(desil_before: int | None, desil_after: int | None, **kwargs: object) -> Person:
    """The head of a household (not poor by the local class) ranked by its No. KK in the
    quarter before and in the quarter (None: not ranked then)."""
    head = applicant(desil=None, poverty_class="tidak_miskin", **kwargs)  # type: ignore[arg-type]
    household = head.household
    assert household is not None
    Household.objects.filter(pk=household.pk).update(head=head)
    kk = f"3276{household.pk:012d}"
    for period, desil in ((BEFORE, desil_before), (QUARTER, desil_after)):
        if desil is not None:
            DesilRecord.objects.create(
                kk_number=kk, desil=desil, period=period, household=household
            )
    household_desil_refresh(household_ids=[household.pk])
    return head


def kis(person: Person) -> Enrolment:
    return enrol(person, KIS)
