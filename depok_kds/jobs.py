"""Jobs: long work run by Celery workers, recorded in one table and shown as a progress bar.

A job handler is a plain function `handler(job, progress) -> result dict`, registered as a
Celery task with `@job_task("app.kind")`. Handlers work in chunks and call
`progress.advance(...)` after each; the checkpoint (`done` plus optional `state`) is
written in the same UPDATE, so a handler re-run after a killed worker resumes where the
last chunk ended instead of redoing or losing work.

A job is claimed with a conditional UPDATE on a lease, so a redelivered message and the
stale-job sweeper can never make two workers run the same job at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from depok_kds.audit import audit_record
from depok_kds.models import Job

if TYPE_CHECKING:
    from celery import Task

    from depok_kds.models import User

logger = logging.getLogger(__name__)

Handler = Callable[[Job, "Progress"], dict[str, Any]]
_TASKS: dict[str, Task[Any, Any]] = {}
_LABELS: dict[str, StrOrPromise] = {}


def lease_seconds() -> int:
    return int(getattr(settings, "KDS_JOB_LEASE_SECONDS", 120))


class Progress:
    """What a handler uses to report progress and keep its resume point."""

    def __init__(self, job: Job) -> None:
        self.job = job

    @property
    def state(self) -> dict[str, Any]:
        """The handler's saved checkpoint state (empty on the first run)."""
        state: dict[str, Any] = self.job.result.get("_state", {})
        return state

    def set_total(self, total: int) -> None:
        Job.objects.filter(pk=self.job.pk).update(total=total, lease_until=_lease())
        self.job.total = total

    def advance(self, done: int, *, state: dict[str, Any] | None = None) -> None:
        """Record that the first `done` units are finished (and the state to resume from)."""
        total = self.job.total
        updates: dict[str, Any] = {
            "done": min(done, total) if total else done,
            "lease_until": _lease(),
        }
        if state is not None:
            self.job.result = {**self.job.result, "_state": state}
            updates["result"] = self.job.result
        Job.objects.filter(pk=self.job.pk).update(**updates)
        self.job.done = updates["done"]

    def add_errors(self, rows: list[dict[str, Any]]) -> None:
        """Append error rows ({"row": n, "column": c, "reason": text}) shown with the result."""
        self.job.error_rows = [*self.job.error_rows, *rows]
        Job.objects.filter(pk=self.job.pk).update(error_rows=self.job.error_rows)


def job_task(
    kind: str, *, label: StrOrPromise = "", **task_options: Any
) -> Callable[[Handler], Handler]:
    """Register a Celery task named `kind` that runs `handler`; return the handler as is."""

    def decorator(handler: Handler) -> Handler:
        _LABELS[kind] = label or kind

        @shared_task(name=kind, acks_late=True, ignore_result=True, **task_options)
        def task(job_id: int) -> None:
            job_run(job_id=job_id, handler=handler)

        _TASKS[kind] = task
        return handler

    return decorator


def job_kind_label(kind: str) -> StrOrPromise:
    """What people call a kind of job (\"Dukcapil matching\"), for pages and the API."""
    return _LABELS.get(kind, kind)


@transaction.atomic
def job_start(*, kind: str, requested_by: User | None, params: dict[str, Any] | None = None) -> Job:
    """Record a job and queue it once the surrounding transaction commits."""
    if kind not in _TASKS:
        raise LookupError(f"no job handler registered for {kind!r}")
    job = Job.objects.create(kind=kind, requested_by=requested_by, params=params or {})
    audit_record(
        actor=requested_by,
        action="job.start",
        target=job,
        after={"kind": kind, "params": job.params},
    )
    task = _TASKS[kind]
    transaction.on_commit(lambda: task.delay(job.pk))
    return job


def job_claim(*, job_id: int) -> Job | None:
    """Take the job for this worker, or None if it is finished or leased to another worker."""
    now = timezone.now()
    claimed = Job.objects.filter(
        Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING, lease_until__lt=now),
        pk=job_id,
    ).update(status=Job.Status.RUNNING, lease_until=_lease(), attempts=F("attempts") + 1)
    if not claimed:
        return None
    Job.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
    return Job.objects.get(pk=job_id)


def job_run(*, job_id: int, handler: Handler) -> Job | None:
    job = job_claim(job_id=job_id)
    if job is None:
        logger.info("job %s not claimed (finished or running elsewhere)", job_id)
        return None
    try:
        result = handler(job, Progress(job))
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            lease_until=None,
            error_message=f"{type(exc).__name__}: {exc}"[:2000],
        )
    else:
        job.refresh_from_db(fields=["total", "result"])
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED,
            finished_at=timezone.now(),
            lease_until=None,
            done=job.total,
            result=result,
        )
    job.refresh_from_db()
    return job


def jobs_requeue_stale() -> int:
    """Queue again every running job whose lease ran out (its worker died)."""
    stale = list(
        Job.objects.filter(status=Job.Status.RUNNING, lease_until__lt=timezone.now()).values_list(
            "pk", "kind"
        )
    )
    for job_id, kind in stale:
        if kind in _TASKS:
            _TASKS[kind].delay(job_id)
    return len(stale)


def _lease() -> Any:
    return timezone.now() + timedelta(seconds=lease_seconds())
