"""Who may hold a KDS card: one definition, used by the request services and the sweep.

A household holds a family card while a living member has an active enrolment in a KDS
programme (a city-funded programme, APBD); a person holds a student card while they have an
active enrolment in an education programme.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from programs.models import Enrolment, Programme

EDUCATION_KIND = "education"


def _active_kds_enrolments() -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(
        status=Enrolment.Status.ACTIVE,
        programme__is_active=True,
        programme__funding=Programme.Funding.APBD,
    )


def entitled_household_ids() -> QuerySet[Any]:
    """Ids of households a living member of which holds a KDS programme (a subquery)."""
    return (
        _active_kds_enrolments()
        .filter(person__household__isnull=False, person__is_deceased=False)
        .values("person__household_id")
    )


def entitled_student_ids() -> QuerySet[Any]:
    """Ids of living persons enrolled in an education programme (a subquery)."""
    return (
        _active_kds_enrolments()
        .filter(programme__kind=EDUCATION_KIND, person__is_deceased=False)
        .values("person_id")
    )


def student_end_reasons(person_ids: list[int]) -> dict[int, str]:
    """Why each student's card ends: "graduated" if their last education enrolment ended so."""
    last: dict[int, str] = {}
    rows = (
        Enrolment.objects.filter(person_id__in=person_ids, programme__kind=EDUCATION_KIND)
        .order_by("person_id", "exited_on", "pk")
        .values_list("person_id", "exit_reason")
    )
    for person_id, reason in rows:
        last[person_id] = reason
    return {
        pk: "graduated" if last.get(pk) == Enrolment.ExitReason.GRADUATED else "exited"
        for pk in person_ids
    }
