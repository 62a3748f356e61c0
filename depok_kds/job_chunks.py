"""Jobs whose chunks are Celery tasks of their own, so that more workers finish one job sooner.

A chunked kind is registered with three plain functions:

- `plan(job, progress) -> list of chunk params`: run once by the job's own task, which
  records the chunks (`JobChunk`) and queues one task per chunk;
- `chunk(job, params, progress) -> chunk result`: run by whichever worker takes the chunk;
  `progress` is a `ChunkProgress` (the same `advance`/`state` as a job's, on the chunk);
- `finish(job, chunk results) -> job result`: run once, by the worker that finishes the
  last chunk, under a lock on the job's row.

Each chunk has a lease and a checkpoint as a job has: a chunk whose worker died is taken
again from its checkpoint by another worker (the same takeover as for jobs), and a chunk
that is done is never run again, since its completion is a compare-and-set on its lease.
The job's `done` is the sum of its chunks', and the job's lease is renewed with each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.db import transaction
from django.db.models import F, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from depok_kds.jobs import (
    FANNED_OUT,
    LeaseLost,
    Progress,
    job_task,
    lease_seconds,
    with_retries,
    worker_name,
)
from depok_kds.models import Job, JobChunk

logger = logging.getLogger(__name__)

CHUNK_TASK = "depok_kds.job_chunk"

Plan = Callable[[Job, Progress], list[dict[str, Any]]]
ChunkHandler = Callable[[Job, dict[str, Any], "ChunkProgress"], dict[str, Any]]
Finish = Callable[[Job, list[dict[str, Any]]], dict[str, Any]]

_CHUNKED: dict[str, tuple[ChunkHandler, Finish]] = {}
# A chunk may go on while its job is queued again (the job's task re-queues lost chunks).
JOB_NOT_OVER = (Job.Status.QUEUED, Job.Status.RUNNING)


def chunked_job_task(
    kind: str,
    *,
    plan: Plan,
    chunk: ChunkHandler,
    finish: Finish,
    label: StrOrPromise = "",
    heavy: bool = False,
) -> Callable[[Job, Progress], dict[str, Any]]:
    """Register a chunked kind: the job's task plans and queues the chunks; return that
    task's handler."""
    job_chunks_register(kind, chunk=chunk, finish=finish)

    def fan_out(job: Job, progress: Progress) -> dict[str, Any]:
        return job_fan_out(job, progress, plan=lambda: plan(job, progress))

    return job_task(kind, label=label, heavy=heavy)(fan_out)


def job_chunks_register(kind: str, *, chunk: ChunkHandler, finish: Finish) -> None:
    """Say how a kind's chunks are run and its result put together (for `job_fan_out`)."""
    _CHUNKED[kind] = (chunk, finish)


def job_fan_out(
    job: Job, progress: Progress, *, plan: Callable[[], list[dict[str, Any]]]
) -> dict[str, Any]:
    """From a job's handler: record the chunks `plan()` gives (once) and queue them.

    Returns `FANNED_OUT` for the handler to return: the last chunk finishes the job. With
    no chunk at all, the job's result is `finish(job, [])`.
    """
    if job.kind not in _CHUNKED:
        raise LookupError(f"no chunk handler registered for {job.kind!r}")
    if not JobChunk.objects.filter(job=job).exists():
        chunks = plan()
        if not chunks:
            return _CHUNKED[job.kind][1](job, [])
        lease = _lease()
        JobChunk.objects.bulk_create(
            [
                JobChunk(job=job, number=number, params=params, lease_until=lease)
                for number, params in enumerate(chunks)
            ],
            ignore_conflicts=True,
        )
    progress.renew()
    with transaction.atomic():
        # A re-run of the job's task may find its last chunk finished while it was queued.
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if _finish_if_all_done(locked, _CHUNKED[job.kind][1]):
            return FANNED_OUT
    # A re-run of the job's task (its lease ran out) queues again what nobody holds.
    waiting = JobChunk.objects.filter(job=job).filter(
        Q(status=JobChunk.Status.QUEUED)
        | Q(status=JobChunk.Status.RUNNING, lease_until__lt=timezone.now())
    )
    for chunk_id in waiting.values_list("pk", flat=True):
        job_chunk_task.delay(chunk_id)
    return FANNED_OUT


class ChunkProgress:
    """A chunk's progress and checkpoint, written with a compare-and-set on its lease."""

    def __init__(self, chunk: JobChunk) -> None:
        self.chunk = chunk
        self.job = chunk.job
        self.token = chunk.attempts

    @property
    def state(self) -> dict[str, Any]:
        return dict(self.chunk.state)

    def advance(self, done: int, *, state: dict[str, Any] | None = None) -> None:
        """Record that the chunk's first `done` units are finished (and where to resume)."""
        updates: dict[str, Any] = {"done": done, "lease_until": _lease()}
        if state is not None:
            updates["state"] = state
        if not _held(self.chunk, self.token).update(**updates):
            raise LeaseLost(f"chunk {self.chunk}: lease {self.token} was taken over")
        self.chunk.done = done
        if state is not None:
            self.chunk.state = state
        job_id = self.chunk.job_id
        # Inside the chunk's transaction, the job's row is touched after commit only, so
        # that chunks running side by side do not wait for each other's transactions.
        transaction.on_commit(lambda: _job_progress(job_id))

    def renew(self) -> None:
        self.advance(self.chunk.done)


@shared_task(name=CHUNK_TASK, acks_late=True, ignore_result=True)
def job_chunk_task(chunk_id: int) -> None:
    job_chunk_run(chunk_id=chunk_id)


def job_chunk_claim(*, chunk_id: int) -> JobChunk | None:
    """Take the chunk for this worker, or None if it is done, leased, or its job is over."""
    now = timezone.now()
    claimed = JobChunk.objects.filter(
        Q(status=JobChunk.Status.QUEUED) | Q(status=JobChunk.Status.RUNNING, lease_until__lt=now),
        pk=chunk_id,
        job__status__in=JOB_NOT_OVER,
    ).update(
        status=JobChunk.Status.RUNNING,
        lease_until=_lease(),
        attempts=F("attempts") + 1,
        leased_by=worker_name()[:200],
    )
    if not claimed:
        return None
    return JobChunk.objects.select_related("job").get(pk=chunk_id)


def job_chunk_run(*, chunk_id: int) -> JobChunk | None:
    """Claim the chunk, run it (retrying transient errors), and finish the job if last."""
    claimed = job_chunk_claim(chunk_id=chunk_id)
    if claimed is None:
        logger.info("chunk %s not claimed (done, running elsewhere, or its job is over)", chunk_id)
        return None
    chunk, token = claimed, claimed.attempts
    handler, finish = _CHUNKED[chunk.job.kind]

    def once() -> dict[str, Any]:
        return handler(chunk.job, chunk.params, ChunkProgress(chunk))

    def resume() -> None:
        nonlocal chunk
        if not _held(chunk, token).update(lease_until=_lease()):
            raise LeaseLost(f"chunk {chunk}: lease {token} was taken over")
        chunk = JobChunk.objects.select_related("job").get(pk=chunk.pk)

    try:
        result = with_retries(once, resume=resume, what=f"chunk {chunk}")
        _chunk_done(chunk, token, result, finish)
    except LeaseLost:
        logger.warning("chunk %s: lease lost to another worker", chunk)
        return None
    except Exception as exc:
        logger.exception("chunk %s of job %s (%s) failed", chunk.number, chunk.job_id, chunk.job)
        Job.objects.filter(pk=chunk.job_id, status__in=JOB_NOT_OVER).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            lease_until=None,
            error_message=f"{type(exc).__name__}: {exc}"[:2000],
        )
    chunk.refresh_from_db()
    return chunk


@transaction.atomic
def _chunk_done(chunk: JobChunk, token: int, result: dict[str, Any], finish: Finish) -> None:
    # The job's row lock makes "was this the last chunk?" one answer for one worker.
    job = Job.objects.select_for_update().get(pk=chunk.job_id)
    done = _held(chunk, token).update(
        status=JobChunk.Status.DONE, result=result, finished_at=timezone.now(), lease_until=None
    )
    if not done:
        raise LeaseLost(f"chunk {chunk}: lease {token} was taken over")
    _job_progress(job.pk)
    if job.status in JOB_NOT_OVER:
        _finish_if_all_done(job, finish)


def _finish_if_all_done(job: Job, finish: Finish) -> bool:
    """Finish the job if every chunk is done (the caller holds the job's row lock)."""
    chunks = JobChunk.objects.filter(job=job)
    if chunks.exclude(status=JobChunk.Status.DONE).exists():
        return False
    results = list(chunks.order_by("number").values_list("result", flat=True))
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.SUCCEEDED,
        finished_at=timezone.now(),
        lease_until=None,
        done=F("total"),
        result=finish(job, results),
    )
    return True


def chunks_requeue_stale() -> int:
    """Queue again every chunk of a running job whose lease ran out (its worker died)."""
    stale = JobChunk.objects.filter(
        Q(status=JobChunk.Status.RUNNING) | Q(status=JobChunk.Status.QUEUED),
        lease_until__lt=timezone.now(),
        job__status__in=JOB_NOT_OVER,
    )
    requeued = 0
    for chunk_id, status, lease_until in stale.values_list("pk", "status", "lease_until"):
        taken = JobChunk.objects.filter(pk=chunk_id, status=status, lease_until=lease_until)
        if taken.update(status=JobChunk.Status.QUEUED, lease_until=_lease()):
            job_chunk_task.delay(chunk_id)
            requeued += 1
    return requeued


def _held(chunk: JobChunk, token: int) -> Any:
    return JobChunk.objects.filter(
        pk=chunk.pk,
        status=JobChunk.Status.RUNNING,
        attempts=token,
        job__status__in=JOB_NOT_OVER,
    )


def _job_progress(job_id: int) -> None:
    """The job's done is the sum of its chunks'; any chunk's report renews the job's lease."""
    chunks_done = (
        JobChunk.objects.filter(job_id=job_id)
        .order_by()
        .values("job_id")
        .annotate(n=Sum("done"))
        .values("n")
    )
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        done=Least(Coalesce(Subquery(chunks_done), 0), F("total")),
        lease_until=_lease(),
    )


def _lease() -> Any:
    return timezone.now() + timedelta(seconds=lease_seconds())
