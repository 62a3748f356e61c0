"""Read queries of the platform: jobs and the audit log, scoped to the user."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from depok_kds.access import scope_for, user_roles
from depok_kds.models import AuditEntry, Job
from depok_kds.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User


def job_visible_list(*, user: User | AnonymousUser) -> QuerySet[Job]:
    """A job is seen by its requester, administrators, and callers whose scope covers its
    subject (`depok_kds.jobs.JobSubject`); a job with no subject (an import, an export: the
    requester's file and rows) by its requester and administrators only."""
    jobs = Job.objects.select_related("requested_by")
    if not user.is_authenticated or not user.is_active:
        return jobs.none()
    if user.is_superuser or Role.DINSOS_ADMIN in user_roles(user):
        return jobs
    scope = scope_for(user)
    own = Q(requested_by=user)
    if not scope.rows:
        return jobs.filter(own)
    covered = Q(shared=True)
    if scope.kelurahan_codes is not None:
        covered &= Q(subject_kelurahan__in=scope.kelurahan_codes)
    if scope.agency_code is not None:
        covered &= Q(subject_agency=scope.agency_code)
    return jobs.filter(own | covered)


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
