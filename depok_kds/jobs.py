"""Jobs: long work run by Celery workers, recorded in one table and shown as a progress bar.

A job handler is a plain function `handler(job, progress) -> result dict`, registered as a
Celery task with `@job_task("app.kind")`. Handlers work in chunks and call
`progress.advance(...)` after each; the checkpoint (`done` plus optional `state`) is
written in the same UPDATE, so a handler re-run after a killed worker resumes where the
last chunk ended instead of redoing or losing work.

A job is claimed with a conditional UPDATE on a lease; each claim adds one to `attempts`,
and that number is the lease's token. Every later write of the worker (progress,
checkpoint, finish) is a compare-and-set on the token, so a worker whose lease ran out and
was taken over cannot overwrite its successor: its next write raises `LeaseLost`, which
also rolls back the chunk it was doing.

A running job whose lease ran out (its worker died) is queued again by any worker that
starts or is idle (`depok_kds.worker`) and by beat's sweeper; a dropped database
connection is retried with backoff from the last checkpoint.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from celery import shared_task
from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    InterfaceError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.models import F, Func, JSONField, Q, Value
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from depok_kds.audit import audit_record
from depok_kds.errors import Conflict
from depok_kds.models import Job

if TYPE_CHECKING:
    from celery import Task
    from django.db.backends.base.base import BaseDatabaseWrapper

    from depok_kds.models import User

logger = logging.getLogger(__name__)

Handler = Callable[[Job, "Progress"], dict[str, Any]]
T = TypeVar("T")
_TASKS: dict[str, Task[Any, Any]] = {}
_LABELS: dict[str, StrOrPromise] = {}
_HEAVY: set[str] = set()
# Errors that a new connection can cure: the job is retried from its last checkpoint.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
_LOCK_NAMESPACE = 0x4A4F42  # "JOB": advisory locks of job starts, one per requester


class LeaseLost(Exception):
    """The worker's lease on the job was taken over: stop without writing anything more."""


@dataclass(frozen=True)
class JobSubject:
    """What a job works on, so that callers whose scope covers it may see the job.

    Neither field: the whole city (city-wide scopes). A job started without a subject is
    seen by its requester and administrators only (imports, exports: their files and rows
    are the requester's).
    """

    kelurahan_code: str = ""
    agency_code: str = ""


CITY = JobSubject()


def lease_seconds() -> int:
    return int(getattr(settings, "KDS_JOB_LEASE_SECONDS", 120))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Progress:
    """What a handler uses to report progress and keep its resume point.

    Every write is a compare-and-set on the claim's token (`attempts`). Inside a
    transaction of the handler's own, a bare `advance(done)` (no checkpoint state) is
    written through a second connection, so the progress bar moves while the work is
    still uncommitted; a checkpoint always goes with the work's transaction.
    """

    def __init__(self, job: Job) -> None:
        self.job = job
        self.token = job.attempts
        self._depth = len(connection.atomic_blocks)
        self._side: BaseDatabaseWrapper | None = None

    @property
    def state(self) -> dict[str, Any]:
        """The handler's saved checkpoint state (empty on the first run)."""
        state: dict[str, Any] = self.job.result.get("_state", {})
        return state

    def _held(self) -> Any:
        return Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING, attempts=self.token)

    def _write(self, **updates: Any) -> None:
        if not self._held().update(**updates):
            raise LeaseLost(f"job {self.job.pk}: lease {self.token} was taken over")

    def set_total(self, total: int) -> None:
        self._write(total=total, lease_until=_lease())
        self.job.total = total

    def advance(self, done: int, *, state: dict[str, Any] | None = None) -> None:
        """Record that the first `done` units are finished (and the state to resume from)."""
        total = self.job.total
        done = min(done, total) if total else done
        if state is None and len(connection.atomic_blocks) > self._depth:
            self._publish(done)
            self.job.done = done
            return
        updates: dict[str, Any] = {"done": done, "lease_until": _lease()}
        if state is not None:
            self.job.result = {**self.job.result, "_state": state}
            updates["result"] = self.job.result
        self._write(**updates)
        self.job.done = done

    def renew(self) -> None:
        """Keep the lease during long work that has no progress to report."""
        self._write(lease_until=_lease())

    def add_errors(self, rows: list[dict[str, Any]]) -> None:
        """Append error rows ({"row": n, "column": c, "reason": text}) shown with the result."""
        if not rows:
            return
        rows = [{key: _plain(v) for key, v in row.items()} for row in rows]
        self._write(
            error_rows=Func(
                F("error_rows"), Value(rows, JSONField()), function="", arg_joiner=" || "
            )
        )
        self.job.error_rows = [*self.job.error_rows, *rows]

    def _publish(self, done: int) -> None:
        """Show `done` now, from outside the handler's open transaction.

        The row may be locked by that transaction (it wrote a checkpoint): then skip rather
        than wait for it, which would wait for ourselves.
        """
        if self._side is None:
            self._side = connections[DEFAULT_DB_ALIAS].copy()
        with self._side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Job._meta.db_table} SET done = %s, lease_until = %s "  # noqa: S608
                f"WHERE id = (SELECT id FROM {Job._meta.db_table} WHERE id = %s AND status = %s "
                "AND attempts = %s FOR UPDATE SKIP LOCKED)",
                [done, _lease(), self.job.pk, Job.Status.RUNNING, self.token],
            )

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def job_task(
    kind: str, *, label: StrOrPromise = "", heavy: bool = False, **task_options: Any
) -> Callable[[Handler], Handler]:
    """Register a Celery task named `kind` that runs `handler`; return the handler as is.

    `heavy` kinds (city-wide matching, re-scoring, detection) are capped per requester and
    an identical request joins the one already queued or running.
    """

    def decorator(handler: Handler) -> Handler:
        _LABELS[kind] = label or kind
        if heavy:
            _HEAVY.add(kind)

        @shared_task(name=kind, acks_late=True, ignore_result=True, **task_options)
        def task(job_id: int) -> None:
            job_run(job_id=job_id, handler=handler)

        _TASKS[kind] = task
        return handler

    return decorator


def job_kind_label(kind: str) -> StrOrPromise:
    """What people call a kind of job (\"Dukcapil matching\"), for pages and the API."""
    return _LABELS.get(kind, kind)


def job_cap() -> int:
    return int(getattr(settings, "KDS_JOB_CAP_PER_REQUESTER", 3))


def job_start(
    *,
    kind: str,
    requested_by: User | None,
    params: dict[str, Any] | None = None,
    subject: JobSubject | None = None,
) -> Job:
    """Record a job and queue it once the surrounding transaction commits.

    For a heavy kind, an identical job (same kind, parameters and requester) already
    queued or running is returned instead of a new one, and a requester may have at most
    `KDS_JOB_CAP_PER_REQUESTER` heavy jobs queued or running.
    """
    job, _created = job_start_or_join(
        kind=kind, requested_by=requested_by, params=params, subject=subject
    )
    return job


@transaction.atomic
def job_start_or_join(
    *,
    kind: str,
    requested_by: User | None,
    params: dict[str, Any] | None = None,
    subject: JobSubject | None = None,
) -> tuple[Job, bool]:
    """`job_start`, also saying whether the job is new (False: an identical one is joined)."""
    if kind not in _TASKS:
        raise LookupError(f"no job handler registered for {kind!r}")
    params = params or {}
    if kind in _HEAVY and requested_by is not None:
        _lock_requester(requested_by.pk)
        active = Job.objects.filter(
            requested_by=requested_by,
            kind__in=_HEAVY,
            status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
        )
        same = active.filter(kind=kind, params=params).order_by("pk").first()
        if same is not None:
            return same, False
        if active.count() >= job_cap():
            raise Conflict(
                _(
                    "You already have %(count)d heavy jobs queued or running; wait until "
                    "one of them finishes."
                )
                % {"count": job_cap()},
                code="too_many_jobs",
            )
    job = Job.objects.create(
        kind=kind,
        requested_by=requested_by,
        params=params,
        shared=subject is not None,
        subject_kelurahan=subject.kelurahan_code if subject else "",
        subject_agency=subject.agency_code if subject else "",
    )
    audit_record(
        actor=requested_by,
        action="job.start",
        target=job,
        after={"kind": kind, "params": job.params},
    )
    task = _TASKS[kind]
    transaction.on_commit(lambda: task.delay(job.pk))
    return job, True


def _lock_requester(user_id: int) -> None:
    """Serialise one requester's starts until commit, so the cap and the join hold."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, user_id])


def job_claim(*, job_id: int) -> Job | None:
    """Take the job for this worker, or None if it is finished or leased to another worker."""
    now = timezone.now()
    claimed = Job.objects.filter(
        Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING, lease_until__lt=now),
        pk=job_id,
    ).update(
        status=Job.Status.RUNNING,
        lease_until=_lease(),
        attempts=F("attempts") + 1,
        leased_by=worker_name()[:200],
    )
    if not claimed:
        return None
    Job.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
    return Job.objects.get(pk=job_id)


def job_run(*, job_id: int, handler: Handler) -> Job | None:
    """Claim the job and run `handler`, retrying transient errors from the checkpoint."""
    claimed = job_claim(job_id=job_id)
    if claimed is None:
        logger.info("job %s not claimed (finished or running elsewhere)", job_id)
        return None
    job, token = claimed, claimed.attempts

    def once() -> dict[str, Any]:
        progress = Progress(job)
        try:
            return handler(job, progress)
        finally:
            progress.close()

    def resume() -> None:
        nonlocal job
        job = _resume(job, token)

    try:
        result = with_retries(once, resume=resume, what=f"job {job.pk} ({job.kind})")
    except LeaseLost:
        logger.warning("job %s (%s): lease lost to another worker", job.pk, job.kind)
        return None
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish_failed(job, token, exc)
    else:
        if result is not FANNED_OUT:
            _finish_succeeded(job, token, result)
    job.refresh_from_db()
    return job


# What a handler returns when it has handed its work to chunk tasks: the job stays running
# until its last chunk finishes it (`depok_kds.job_chunks`).
FANNED_OUT: dict[str, Any] = {}


def with_retries(once: Callable[[], T], *, resume: Callable[[], None], what: str) -> T:
    """`once()`, run again after a transient error (a dropped connection) with backoff.

    `resume` re-checks the lease (raising `LeaseLost` if it was taken over) and reloads the
    checkpoint before each new try.
    """
    retries = 0
    while True:
        try:
            if retries:
                resume()
            return once()
        except TRANSIENT_ERRORS as exc:
            retries += 1
            if retries > retry_limit():
                raise
            delay = min(retry_backoff() * 2 ** (retries - 1), 60.0)
            logger.warning("%s: %s; retry %d in %.1f s", what, exc, retries, delay)
            time.sleep(delay)
            _reconnect()


def retry_limit() -> int:
    return int(getattr(settings, "KDS_JOB_RETRIES", 5))


def retry_backoff() -> float:
    return float(getattr(settings, "KDS_JOB_RETRY_SECONDS", 2.0))


def _reconnect() -> None:
    """Drop a connection the error left broken; the next query opens a new one."""
    if not connection.in_atomic_block and not connection.is_usable():
        connection.close()


def _resume(job: Job, token: int) -> Job:
    held = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=token)
    if not held.update(lease_until=_lease()):
        raise LeaseLost(f"job {job.pk}: lease {token} was taken over")
    return Job.objects.get(pk=job.pk)


def _finish_succeeded(job: Job, token: int, result: dict[str, Any]) -> None:
    finished = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=token).update(
        status=Job.Status.SUCCEEDED,
        finished_at=timezone.now(),
        lease_until=None,
        done=F("total"),
        result=result,
    )
    if not finished:
        logger.warning("job %s: lease lost before finishing; result left to its new worker", job.pk)


def _finish_failed(job: Job, token: int, exc: BaseException) -> None:
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=token).update(
        status=Job.Status.FAILED,
        finished_at=timezone.now(),
        lease_until=None,
        error_message=f"{type(exc).__name__}: {exc}"[:2000],
    )


def jobs_requeue_stale() -> int:
    """Queue again every running job whose lease ran out (its worker died).

    Each job is handed back with a compare-and-set (running and expired → queued, with a
    fresh lease), so workers and beat sweeping at once queue it once; a queued job whose
    message was lost is stale again when that lease runs out.
    """
    now = timezone.now()
    stale = Job.objects.filter(
        Q(status=Job.Status.RUNNING) | Q(status=Job.Status.QUEUED, lease_until__isnull=False),
        lease_until__lt=now,
        kind__in=list(_TASKS),
    )
    requeued = 0
    for job_id, status, lease_until in stale.values_list("pk", "status", "lease_until"):
        taken = Job.objects.filter(pk=job_id, status=status, lease_until=lease_until).update(
            status=Job.Status.QUEUED, lease_until=_lease()
        )
        if taken:
            kind = Job.objects.values_list("kind", flat=True).get(pk=job_id)
            _TASKS[kind].delay(job_id)
            requeued += 1
    return requeued


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Promise) else value


def _lease() -> Any:
    return timezone.now() + timedelta(seconds=lease_seconds())
