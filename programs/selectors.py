"""Read queries of the programme core, scoped to what the user may see.

Agency officers see their agency's programmes, applications and enrolments; Puskesos
officers the applications and enrolments of households in their kelurahan; Dinsos and
auditors everything; leadership only the aggregate report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from depok_kds.access import get_in_scope, scope_for, scope_queryset
from programs.eligibility import poverty_applies
from programs.models import (
    Application,
    ApplicationState,
    Cycle,
    Decree,
    Enrolment,
    Programme,
    RecipientImport,
)
from registry.models import Person

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

AGENCY = "programme__agency__code"
# Applications an agency is still deciding (or has decided and not yet enrolled).
DECIDING_STATES = [
    ApplicationState.SUBMITTED,
    ApplicationState.IN_VERIFICATION,
    ApplicationState.WAITLISTED,
    ApplicationState.APPROVED,
]


def agency_persons(agency_code: str) -> QuerySet[Person]:
    """Persons an agency's programmes hold (an active enrolment) or are deciding (an open
    application): the persons whose Dukcapil outcomes an agency-scoped caller may see."""
    enrolled = Enrolment.objects.filter(
        programme__agency__code=agency_code, status=Enrolment.Status.ACTIVE
    ).values("person_id")
    deciding = Application.objects.filter(
        programme__agency__code=agency_code, state__in=DECIDING_STATES
    ).values("person_id")
    return Person.objects.filter(Q(pk__in=enrolled) | Q(pk__in=deciding))


def programme_list(*, user: User | AnonymousUser) -> QuerySet[Programme]:
    """Programmes the user works with: their agency's, or all for Dinsos and Puskesos."""
    scope = scope_for(user)
    programmes = Programme.objects.select_related("agency").filter(is_active=True)
    if not scope.rows:
        return programmes.none()
    if scope.agency_code is not None:
        programmes = programmes.filter(agency__code=scope.agency_code)
    return programmes


def programme_get(*, user: User | AnonymousUser, programme_id: int) -> Programme:
    """One programme of `programme_list` (already scoped: a Puskesos officer, whose rows are
    kelurahan-bound, still proposes for every programme), or Http404."""
    return get_object_or_404(programme_list(user=user), pk=programme_id)


def cycle_list(*, user: User | AnonymousUser, programme: Programme) -> QuerySet[Cycle]:
    return Cycle.objects.filter(programme=programme).order_by("-year", "-tahap")


def open_cycles(*, user: User | AnonymousUser) -> QuerySet[Cycle]:
    """The open cycles of the programmes the user works with: where they may propose."""
    return (
        Cycle.objects.select_related("programme__agency")
        .filter(programme__in=programme_list(user=user), status=Cycle.Status.OPEN)
        .order_by("programme__report_order", "-year", "-tahap")
    )


def cycle_get(*, user: User | AnonymousUser, cycle_id: int) -> Cycle:
    return get_object_or_404(
        Cycle.objects.select_related("programme__agency").filter(
            programme__in=programme_list(user=user)
        ),
        pk=cycle_id,
    )


def application_list(
    *,
    user: User | AnonymousUser,
    programme_id: int | None = None,
    cycle_id: int | None = None,
    state: str = "",
    household_id: int | None = None,
) -> QuerySet[Application]:
    applications = scope_queryset(
        Application.objects.select_related(
            "programme__agency", "cycle", "person", "household__kelurahan"
        ),
        user=user,
        kelurahan_field="kelurahan_code",
        agency_field=AGENCY,
    )
    if programme_id:
        applications = applications.filter(programme_id=programme_id)
    if cycle_id:
        applications = applications.filter(cycle_id=cycle_id)
    if state:
        applications = applications.filter(state=state)
    if household_id:
        applications = applications.filter(household_id=household_id)
    return applications.order_by("-created_at", "-pk")


def application_get(*, user: User | AnonymousUser, application_id: int) -> Application:
    return get_in_scope(
        Application.objects.select_related(
            "programme__agency",
            "cycle",
            "person",
            "household__kelurahan",
            "decided_by",
            "submitted_by",
        ),
        user=user,
        kelurahan_field="kelurahan_code",
        agency_field=AGENCY,
        pk=application_id,
    )


def enrolment_list(
    *,
    user: User | AnonymousUser,
    cycle_id: int | None = None,
    person_id: int | None = None,
    household_id: int | None = None,
) -> QuerySet[Enrolment]:
    enrolments = scope_queryset(
        Enrolment.objects.select_related("programme__agency", "cycle", "person"),
        user=user,
        kelurahan_field="kelurahan_code",
        agency_field=AGENCY,
    )
    if cycle_id:
        enrolments = enrolments.filter(cycle_id=cycle_id)
    if person_id:
        enrolments = enrolments.filter(person_id=person_id)
    if household_id:
        enrolments = enrolments.filter(household_id=household_id)
    return enrolments.order_by("-year", "programme__report_order", "pk")


def decree_get(*, user: User | AnonymousUser, decree_id: int) -> Decree:
    return get_in_scope(
        Decree.objects.select_related("cycle__programme__agency"),
        user=user,
        agency_field="cycle__programme__agency__code",
        pk=decree_id,
    )


def recipient_import_pending(
    *, user: User | AnonymousUser, cycle: Cycle
) -> QuerySet[RecipientImport]:
    """The cycle's lists previewed and not yet committed, newest first."""
    return (
        RecipientImport.objects.filter(cycle__in=[cycle.pk], committed=False)
        .filter(cycle__programme__in=programme_list(user=user))
        .select_related("uploaded_by")
        .defer("content")
        .order_by("-created_at")
    )


def recipient_import_get(*, user: User | AnonymousUser, import_id: int) -> RecipientImport:
    return get_in_scope(
        RecipientImport.objects.select_related("cycle__programme__agency")
        .filter(cycle__programme__in=programme_list(user=user))
        .defer("content"),
        user=user,
        agency_field="cycle__programme__agency__code",
        pk=import_id,
    )


def targeting_params(year: int | None = None) -> dict[str, list[Any]]:
    """Each active programme's declarative poverty rule binding in `year`, as arrays bound
    as `t(programme_id, classes, desil_max)` by detection's inclusion- and exclusion-error
    SQL and by a DTSEN quarter's impact."""
    ids: list[int] = []
    classes: list[str] = []
    desil: list[int | None] = []
    for programme_id, rules in Programme.objects.filter(is_active=True).values_list("pk", "rules"):
        for rule in rules or []:
            if (
                isinstance(rule, Mapping)
                and rule.get("rule") == "poverty"
                and poverty_applies(rule, year)
            ):
                ids.append(programme_id)
                classes.append(",".join(rule.get("classes") or []))
                desil.append(rule.get("desil_max"))
    return {"t_ids": ids, "t_classes": classes, "t_desil": desil}
