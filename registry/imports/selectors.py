"""Who may import what, and which import jobs a user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from depok_kds.access import scope_for, user_roles
from depok_kds.models import Job
from depok_kds.roles import Role
from registry.imports.base import ImportKind
from registry.imports.kinds import IMPORT_KINDS

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

PREVIEW_KIND = "registry.import_preview"
COMMIT_KIND = "registry.import_commit"
JOB_PERMISSION = "depok_kds.add_job"


def import_allowed(*, user: User | AnonymousUser, kind: ImportKind) -> bool:
    """Dinas Sosial staff with the kind's add permission may import (city-wide work)."""
    return (
        user.is_authenticated
        and Role.API_CLIENT not in user_roles(user)
        and scope_for(user).city_wide
        and user.has_perm(JOB_PERMISSION)
        and user.has_perm(kind.permission)
    )


def import_kinds_for(*, user: User | AnonymousUser) -> list[ImportKind]:
    return [kind for kind in IMPORT_KINDS.values() if import_allowed(user=user, kind=kind)]


def _is_import_admin(user: User | AnonymousUser) -> bool:
    return user.is_superuser or Role.DINSOS_ADMIN in user_roles(user)


def import_job_list(*, user: User | AnonymousUser) -> QuerySet[Job]:
    """Import jobs the user may see: their own; a Dinsos administrator sees all."""
    jobs = Job.objects.filter(kind__in=[PREVIEW_KIND, COMMIT_KIND]).select_related("requested_by")
    if not user.is_authenticated:
        return jobs.none()
    if _is_import_admin(user):
        return jobs
    return jobs.filter(requested_by=user)


def import_job_get(*, user: User | AnonymousUser, job_id: int) -> Job:
    """One import job the user may see, or Http404 (the uploaded file holds personal data)."""
    job = import_job_list(user=user).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job


def import_commit_of(*, preview: Job) -> Job | None:
    """The commit started from a preview (queued, running or finished), if any."""
    return (
        Job.objects.filter(kind=COMMIT_KIND, params__preview_job=preview.pk)
        .filter(~Q(status=Job.Status.FAILED))
        .order_by("-pk")
        .first()
    )
