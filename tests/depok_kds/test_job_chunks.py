"""Chunked jobs: each chunk a task any worker may take, with its own lease and checkpoint."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from depok_kds import job_chunks
from depok_kds.job_chunks import (
    ChunkProgress,
    chunks_requeue_stale,
    job_chunk_claim,
    job_chunk_run,
)
from depok_kds.jobs import _TASKS, LeaseLost, job_run, jobs_requeue_stale
from depok_kds.models import Job, JobChunk
from depok_kds.tasks import DEMO_CHUNKED_KIND, demo_count_chunked

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Chunk tasks sent to the queue (run here by the test, as a worker would)."""
    sent: list[int] = []
    monkeypatch.setattr(job_chunks, "job_chunk_task", SimpleNamespace(delay=sent.append))
    return sent


def _start(n: int = 10, chunk: int = 4) -> Job:
    job = Job.objects.create(
        kind=DEMO_CHUNKED_KIND, params={"n": n, "chunk": chunk, "step_seconds": 0}
    )
    job_run(job_id=job.pk, handler=demo_count_chunked)
    job.refresh_from_db()
    return job


def test_a_job_fans_out_into_chunk_tasks_and_the_last_chunk_finishes_it(queued):
    job = _start()
    assert job.status == Job.Status.RUNNING and job.total == 10
    chunks = list(JobChunk.objects.filter(job=job).order_by("number"))
    assert [c.params for c in chunks] == [
        {"first": 1, "last": 4},
        {"first": 5, "last": 8},
        {"first": 9, "last": 10},
    ]
    assert sorted(queued) == [c.pk for c in chunks]
    for chunk_id in reversed(queued):  # any order, as workers take them
        job_chunk_run(chunk_id=chunk_id)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result == {"counted": 10, "sum": 55}
    assert (job.done, job.total) == (10, 10)
    assert job_chunk_run(chunk_id=chunks[0].pk) is None  # a done chunk never runs again


def test_a_killed_workers_chunk_is_taken_again_from_its_checkpoint_and_done_once(queued):
    job = _start(n=8, chunk=4)
    first, second = JobChunk.objects.filter(job=job).order_by("number")
    dead = ChunkProgress(job_chunk_claim(chunk_id=first.pk))
    dead.advance(2, state={"counted": 2, "sum": 1 + 2})
    assert job_chunk_claim(chunk_id=first.pk) is None  # leased
    assert chunks_requeue_stale() == 0
    JobChunk.objects.filter(pk=first.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    queued.clear()
    assert chunks_requeue_stale() == 1 and queued == [first.pk]
    assert chunks_requeue_stale() == 0  # another sweeper finds nothing more

    taken = job_chunk_run(chunk_id=first.pk)
    assert (taken.status, taken.attempts, taken.result) == ("done", 2, {"sum": 10, "counted": 4})
    with pytest.raises(LeaseLost):  # the first worker, back late, cannot write
        dead.advance(3, state={"counted": 3, "sum": 6})
    job_chunk_run(chunk_id=second.pk)
    job.refresh_from_db()
    assert job.result == {"counted": 8, "sum": 36}


def test_a_failing_chunk_fails_its_job_and_stops_the_others(queued, monkeypatch):
    job = _start(n=8, chunk=4)
    first, second = JobChunk.objects.filter(job=job).order_by("number")
    other = ChunkProgress(job_chunk_claim(chunk_id=second.pk))

    def broken(job, params, progress):
        raise ValueError("bad chunk")

    monkeypatch.setitem(job_chunks._CHUNKED, DEMO_CHUNKED_KIND, (broken, lambda j, r: {}))
    job_chunk_run(chunk_id=first.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "bad chunk" in job.error_message
    with pytest.raises(LeaseLost):
        other.advance(1)


def test_chunks_go_on_when_the_jobs_own_task_is_queued_again(queued, monkeypatch):
    job = _start(n=8, chunk=4)
    first, second = JobChunk.objects.filter(job=job).order_by("number")
    running = ChunkProgress(job_chunk_claim(chunk_id=first.pk))
    # The job's lease runs out (no chunk reported for a while): a sweeper queues it again.
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    monkeypatch.setitem(_TASKS, DEMO_CHUNKED_KIND, SimpleNamespace(delay=queued.append))
    assert jobs_requeue_stale() == 1
    running.advance(1, state={"counted": 1, "sum": 1})  # not lost: its job is not over
    job_chunk_run(chunk_id=second.pk)
    JobChunk.objects.filter(pk=first.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    job_chunk_run(chunk_id=first.pk)  # taken again from its checkpoint; the last chunk
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result == {"counted": 8, "sum": 36}
    assert job_run(job_id=job.pk, handler=demo_count_chunked) is None  # the re-sent task
