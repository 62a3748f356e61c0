"""Read queries of verification, scoped to what the user may see.

Blind mode is applied here: until both human checks of an application are decided, a
verifier sees only their own verdict, and everyone else sees "decided" without the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from depok_kds.access import get_in_scope, scope_for, scope_queryset
from depok_kds.audit import pii_access_record
from depok_kds.models import User
from depok_kds.roles import Role
from programs.models import Application
from programs.selectors import application_get
from verification.models import (
    COMPLAINT_OPEN_STATUSES,
    HUMAN_CHECKS,
    POVERTY_AGENCY,
    Check,
    Complaint,
    Evidence,
    FieldVisit,
    Policy,
    Resolution,
    Verdict,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

    AnyUser = User | AnonymousUser


@dataclass(frozen=True)
class CheckView:
    check: Check
    verdict: Verdict | None  # None while hidden by blind mode, or not decided
    hidden: bool

    @property
    def status(self) -> str:
        return "decided" if self.hidden else self.check.status


def assignable_officers(*, kelurahan_code: str, dinsos_staff: bool = False) -> QuerySet[User]:
    """Active users who may take a case of the kelurahan: its Puskesos officers, and Dinsos
    staff too when `dinsos_staff` (complaints; a field visit is the kelurahan's own)."""
    who = Q(groups__name=Role.PUSKESOS_OFFICER, kelurahan_codes__contains=[kelurahan_code])
    if dinsos_staff:
        who |= Q(groups__name__in=[Role.DINSOS_ADMIN, Role.DINSOS_OPERATOR])
    return User.objects.filter(who, is_active=True).distinct().order_by("username")


def policy_for(application: Application) -> Policy | None:
    """How the application's programme is verified (None: no checks)."""
    return Policy.objects.filter(programme_id=application.programme_id).first()


def checks_for(*, user: AnyUser, application: Application) -> list[CheckView]:
    """The application's checks as this user may see them (blind mode applied)."""
    checks = list(
        Check.objects.filter(application=application)
        .select_related("verdict__decided_by")
        .order_by("kind")
    )
    policy = policy_for(application)
    human = [c for c in checks if c.kind in HUMAN_CHECKS]
    all_decided = all(hasattr(c, "verdict") for c in human)
    blind = policy is not None and policy.blind_between(len(human)) and not all_decided
    views = []
    for check in checks:
        verdict = getattr(check, "verdict", None)
        own = verdict is not None and verdict.decided_by_id == getattr(user, "pk", None)
        hidden = blind and verdict is not None and check.kind in HUMAN_CHECKS and not own
        views.append(CheckView(check=check, verdict=None if hidden else verdict, hidden=hidden))
    return views


def application_verification_get(*, user: AnyUser, application_id: int) -> Application:
    return application_get(user=user, application_id=application_id)


def check_get(*, user: AnyUser, check_id: int) -> Check:
    return get_in_scope(
        Check.objects.select_related("application__programme__agency", "application__person"),
        user=user,
        kelurahan_field="kelurahan_code",
        agency_field="application__programme__agency__code",
        pk=check_id,
    )


def check_queue(*, user: AnyUser) -> QuerySet[Check]:
    """Pending checks this user could decide: their agency's, or Dinsos's in their area."""
    scope = scope_for(user)
    checks = scope_queryset(
        Check.objects.filter(status=Check.Status.PENDING, kind__in=HUMAN_CHECKS).select_related(
            "application__programme", "application__person"
        ),
        user=user,
        kelurahan_field="kelurahan_code",
    )
    agency = scope.agency_code if scope.agency_code is not None else POVERTY_AGENCY
    return checks.filter(agency_code=agency).order_by("created_at", "pk")


def resolution_queue(*, user: AnyUser) -> QuerySet[Resolution]:
    return scope_queryset(
        Resolution.objects.filter(status=Resolution.Status.OPEN).select_related(
            "application__programme", "application__person"
        ),
        user=user,
        kelurahan_field="application__kelurahan_code",
        agency_field="application__programme__agency__code",
    ).order_by("created_at", "pk")


def resolution_get(*, user: AnyUser, resolution_id: int) -> Resolution:
    return get_in_scope(
        Resolution.objects.select_related("application__programme"),
        user=user,
        kelurahan_field="application__kelurahan_code",
        agency_field="application__programme__agency__code",
        pk=resolution_id,
    )


def _visits(user: AnyUser) -> QuerySet[FieldVisit]:
    scope = scope_for(user)
    visits = scope_queryset(
        FieldVisit.objects.select_related(
            "household__head",
            "household__kelurahan",
            "assigned_to",
            "check_row__application__programme",
        ),
        user=user,
        kelurahan_field="kelurahan_code",
    )
    if scope.agency_code is not None:
        return visits.none()  # visits are Dinsos / Puskesos work
    return visits


def visit_list(*, user: AnyUser, status: str = "", overdue: bool = False) -> QuerySet[FieldVisit]:
    visits = _visits(user)
    if status:
        visits = visits.filter(status=status)
    if overdue:
        visits = visits.filter(status=FieldVisit.Status.ASSIGNED, due_on__lt=timezone.localdate())
    return visits.order_by("status", "due_on", "pk")


def visit_get(*, user: AnyUser, visit_id: int) -> FieldVisit:
    visit = _visits(user).filter(pk=visit_id).first()
    if visit is None:
        raise Http404
    return visit


def complaint_list(*, user: AnyUser, status: str = "") -> QuerySet[Complaint]:
    scope = scope_for(user)
    complaints = scope_queryset(
        Complaint.objects.select_related("assigned_to"), user=user, kelurahan_field="kelurahan_code"
    )
    if scope.agency_code is not None:
        return complaints.none()
    if status:
        complaints = complaints.filter(status=status)
    return complaints.order_by("due_at", "pk")


def complaint_get(*, user: AnyUser, complaint_id: int) -> Complaint:
    complaint = complaint_list(user=user).filter(pk=complaint_id).first()
    if complaint is None:
        raise Http404
    return complaint


def complainant_visible(*, user: AnyUser, complaint: Complaint) -> bool:
    """Who reported an inclusion error is protected: only Dinsos administrators see it."""
    if complaint.category != Complaint.Category.INCLUSION:
        return True
    return bool(user.is_authenticated and user.has_perm("verification.view_complainant"))


def complainant_shown(*, user: AnyUser, complaint: Complaint) -> bool:
    """Whether to show `user` who made the complaint (`complainant_visible`); showing a
    protected complainant (an inclusion report) is logged as a personal-data view."""
    shown = complainant_visible(user=user, complaint=complaint)
    if shown and complaint.category == Complaint.Category.INCLUSION:
        pii_access_record(
            actor=user,
            target_type="verification.complaint",
            target_ids=[complaint.pk],
            fields=("complainant_name", "complainant_contact"),
        )
    return shown


def complaint_public_status(*, tracking_number: str) -> Complaint | None:
    """The complaint behind a tracking number, for the public page: its status, kind, dates,
    deadline and answer, never who complained or about whom."""
    number = "".join(tracking_number.split()).upper()
    if len(number) != 10:
        return None
    public = ("status", "kind", "created_at", "due_at", "answered_at", "closed_at", "answer")
    return Complaint.objects.filter(tracking_number=number).only(*public, "outcome").first()


def evidence_get(*, user: AnyUser, evidence_id: int) -> Evidence:
    """An evidence file, if the user may see the visit, check or complaint it belongs to."""
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404
    if evidence.visit_id is not None and user.has_perm("verification.view_fieldvisit"):
        visit_get(user=user, visit_id=evidence.visit_id)
    elif evidence.complaint_id is not None and user.has_perm("verification.view_complaint"):
        complaint_get(user=user, complaint_id=evidence.complaint_id)
    elif evidence.check_row_id is not None and user.has_perm("verification.view_check"):
        check_get(user=user, check_id=evidence.check_row_id)
    else:
        raise Http404
    return evidence


def objections_open(household_ids: Sequence[int], before: date) -> set[int]:
    """The households with an objection (sanggahan) received before `before` and not yet
    decided: the programme core holds their exits (registered as a hold source)."""
    return set(
        Complaint.objects.filter(
            kind=Complaint.Kind.APPEAL,
            status__in=COMPLAINT_OPEN_STATUSES,
            household_id__in=list(household_ids),
            created_at__date__lt=before,
        ).values_list("household_id", flat=True)
    )
