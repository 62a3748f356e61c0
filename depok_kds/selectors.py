"""Read queries of the platform: jobs and the audit log, scoped to the user."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from depok_kds.access import Scope, scope_for, user_roles
from depok_kds.models import AuditEntry, Job
from depok_kds.prepared import FORMS_KEPT, ID_MARKER, PreparedValues
from depok_kds.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User


@dataclass(frozen=True)
class _JobVisibility:
    """What decides which jobs a user sees (`job_visible_list`): everything, nothing, their
    own (`own_id`) and, with a scope of rows, those whose subject it covers."""

    everything: bool = False
    own_id: int | None = None
    scope: Scope | None = None


def _job_visibility(user: User | AnonymousUser) -> _JobVisibility:
    if not user.is_authenticated or not user.is_active:
        return _JobVisibility()
    if user.is_superuser or Role.DINSOS_ADMIN in user_roles(user):
        return _JobVisibility(everything=True)
    scope = scope_for(user)
    return _JobVisibility(own_id=user.pk, scope=scope if scope.rows else None)


def _jobs_visible(jobs: QuerySet[Job], visibility: _JobVisibility) -> QuerySet[Job]:
    if visibility.everything:
        return jobs
    if visibility.own_id is None:
        return jobs.none()
    own = Q(requested_by_id=visibility.own_id)
    scope = visibility.scope
    if scope is None:
        return jobs.filter(own)
    covered = Q(shared=True)
    if scope.kelurahan_codes is not None:
        covered &= Q(subject_kelurahan__in=scope.kelurahan_codes)
    if scope.agency_code is not None:
        covered &= Q(subject_agency=scope.agency_code)
    return jobs.filter(own | covered)


def job_visible_list(*, user: User | AnonymousUser) -> QuerySet[Job]:
    """A job is seen by its requester, administrators, and callers whose scope covers its
    subject (`depok_kds.jobs.JobSubject`); a job with no subject (an import, an export: the
    requester's file and rows) by its requester and administrators only."""
    return _jobs_visible(Job.objects.select_related("requested_by"), _job_visibility(user))


@lru_cache(maxsize=FORMS_KEPT)
def _job_by_id(visibility: _JobVisibility, fields: tuple[str, ...]) -> PreparedValues:
    jobs = _jobs_visible(Job.objects.all(), visibility).filter(pk=ID_MARKER)
    return PreparedValues(jobs.values(*fields).order_by()[:2], marker=ID_MARKER)


def job_visible_get(*, user: User | AnonymousUser, job_id: int, fields: Iterable[str]) -> Job:
    """The job `job_visible_list` holds with this id, only `fields` read (the others
    deferred), or Http404. For a job polled often: a prepared statement per reader
    (`depok_kds.prepared`)."""
    wanted = {"id", *fields}
    # In the model's order, as `from_db` takes them.
    names = tuple(f.attname for f in Job._meta.concrete_fields if f.attname in wanted)
    prepared = _job_by_id(_job_visibility(user), names)
    row = prepared.one(job_id, Job)
    return Job.from_db(prepared.alias, list(names), [row[name] for name in names])


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
