""" "Tugas saya": what waits for this user today, gathered from the queues they work in.

Read-only: every list comes from the scoped selectors of its app, so a user sees exactly
the work they could open. Overdue work is flagged; complaints show when their answer is
due within COMPLAINT_SOON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from depok_kds.models import User
from registry.dukcapil.selectors import review_queue
from verification.models import Check, Complaint, FieldVisit
from verification.selectors import check_queue, complaint_list, visit_list
from verification.services import verdict_allowed

SHOWN = 20
COMPLAINT_SOON = timedelta(days=2)
OPEN_COMPLAINT = (
    Complaint.Status.RECEIVED,
    Complaint.Status.IN_PROGRESS,
    Complaint.Status.ESCALATED,
)


@dataclass
class Inbox:
    visits: list[FieldVisit] = field(default_factory=list)
    visits_total: int = 0
    visits_overdue: int = 0
    checks: list[Check] = field(default_factory=list)
    checks_total: int = 0
    complaints: list[Complaint] = field(default_factory=list)
    complaints_total: int = 0
    complaints_overdue: int = 0
    reviews_total: int = 0
    sections: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.visits_total or self.checks_total or self.complaints_total)


def task_inbox(*, user: User) -> Inbox:
    inbox = Inbox()
    today = timezone.localdate()
    if user.has_perm("verification.view_fieldvisit"):
        inbox.sections.append("visits")
        visits = visit_list(user=user, status=FieldVisit.Status.ASSIGNED).filter(
            Q(assigned_to=user) | Q(assigned_to__isnull=True)
        )
        inbox.visits_total = visits.count()
        inbox.visits_overdue = visits.filter(due_on__lt=today).count()
        inbox.visits = list(visits.order_by("due_on", "pk")[:SHOWN])
    if user.has_perm("verification.decide_check"):
        inbox.sections.append("checks")
        # Poverty checks wait for their field visit (listed above), so they are not
        # counted twice; what remains are the checks decided at the desk.
        pending = check_queue(user=user).filter(visit__isnull=True)
        candidates = list(pending.select_related("application__programme__agency")[: SHOWN * 3])
        decidable = [c for c in candidates if verdict_allowed(actor=user, check=c)]
        inbox.checks = decidable[:SHOWN]
        inbox.checks_total = len(decidable)
    if user.has_perm("verification.view_complaint"):
        inbox.sections.append("complaints")
        now = timezone.now()
        complaints = complaint_list(user=user).filter(
            status__in=OPEN_COMPLAINT, due_at__lt=now + COMPLAINT_SOON
        )
        inbox.complaints_total = complaints.count()
        inbox.complaints_overdue = complaints.filter(due_at__lt=now).count()
        inbox.complaints = list(complaints[:SHOWN])
    if user.has_perm("dukcapil.review_matchoutcome"):
        inbox.sections.append("reviews")
        inbox.reviews_total = review_queue(user=user).count()
    return inbox


def inbox_context(inbox: Inbox) -> dict[str, Any]:
    return {"inbox": inbox, "today": timezone.localdate(), "now": timezone.now()}
