"""Read queries of the platform: jobs and the audit log, scoped to the user."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from depok_kds.access import scope_for
from depok_kds.models import AuditEntry, Job

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User


def job_visible_list(*, user: User | AnonymousUser) -> QuerySet[Job]:
    """City-wide roles see every job; everyone else the jobs they started."""
    jobs = Job.objects.select_related("requested_by")
    if not user.is_authenticated:
        return jobs.none()
    if scope_for(user).city_wide:
        return jobs
    return jobs.filter(requested_by=user)


def audit_entry_list(
    *,
    user: User | AnonymousUser,
    action: str = "",
    actor: str = "",
    target_type: str = "",
    target_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    if not user.is_authenticated or not user.has_perm("depok_kds.view_auditentry"):
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.select_related("actor")
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(actor__username__icontains=actor)
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id:
        entries = entries.filter(target_id=target_id)
    if date_from:
        entries = entries.filter(created_at__date__gte=date_from)
    if date_to:
        entries = entries.filter(created_at__date__lte=date_to)
    return entries
