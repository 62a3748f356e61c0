"""One beneficiary per cycle: a person, and in a household programme (RTLH, ...) the household.

The database holds the rule for applications (`application_one_live_per_person_cycle` and
`application_one_live_per_household_cycle`); `cycle_holders` is its one statement as a query:
what already stands for a beneficiary in a cycle. An application asks it for one person
(`application_submit`); the recipient import asks it for every staged row at once, as SQL
compiled from the same filters with the row's columns in place of the values.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from programs.models import Application, ApplicationState, Enrolment, Programme


def per_household(programme: Programme) -> bool:
    """Whether the programme serves a household once per cycle, whoever applies for it."""
    return programme.target == Programme.Target.HOUSEHOLD


def cycle_holders(
    *, programme: Programme, cycle_id: int, person_id: Any, household_id: Any
) -> tuple[QuerySet[Application], QuerySet[Enrolment]]:
    """The live applications and active enrolments of the cycle that already stand for this
    beneficiary. The ids are values, or expressions naming a staged row's columns."""
    applications = Q(person_id=person_id)
    enrolments = Q(person_id=person_id)
    if per_household(programme):
        applications |= Q(per_household=True, household_id=household_id)
        enrolments |= Q(household_id=household_id)
    return (
        Application.objects.filter(applications, cycle_id=cycle_id).exclude(
            state=ApplicationState.REJECTED
        ),
        Enrolment.objects.filter(enrolments, cycle_id=cycle_id, status=Enrolment.Status.ACTIVE),
    )
