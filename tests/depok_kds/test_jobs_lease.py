"""Jobs: writes are compare-and-set on the lease, transient errors are retried, progress shows
while the work is uncommitted, and nightly work runs at a set hour."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.utils import timezone

from depok_kds.jobs import _TASKS, LeaseLost, Progress, job_claim, job_run, jobs_requeue_stale
from depok_kds.models import Job
from depok_kds.tasks import DEMO_KIND, demo_count

pytestmark = pytest.mark.django_db


def _expire(job_id: int) -> None:
    Job.objects.filter(pk=job_id).update(lease_until=timezone.now() - timedelta(seconds=1))


def test_a_worker_whose_lease_was_taken_over_cannot_write():
    job = Job.objects.create(kind=DEMO_KIND, params={"n": 10, "step_seconds": 0})
    first = Progress(job_claim(job_id=job.pk))
    first.set_total(10)
    first.advance(3, state={"sum": 6})
    _expire(job.pk)  # the first worker stalls past its lease
    second = Progress(job_claim(job_id=job.pk))
    second.advance(5, state={"sum": 15})

    for write in (
        lambda: first.advance(4, state={"sum": 10}),
        lambda: first.set_total(99),
        lambda: first.add_errors([{"row": 1, "column": "", "reason": "late"}]),
        first.renew,
    ):
        with pytest.raises(LeaseLost):
            write()
    job.refresh_from_db()
    assert (job.done, job.total, job.result["_state"], job.error_rows) == (5, 10, {"sum": 15}, [])


def test_a_superseded_worker_neither_finishes_nor_fails_the_job_of_its_successor():
    job = Job.objects.create(kind=DEMO_KIND, params={"n": 3, "step_seconds": 0})

    def stalls_then_returns(job: Job, progress: Progress) -> dict:
        progress.set_total(3)
        _expire(job.pk)
        assert job_claim(job_id=job.pk) is not None  # a successor takes over meanwhile
        return {"sum": -1}

    assert job_run(job_id=job.pk, handler=stalls_then_returns) is not None
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.attempts == 2
    assert job.result == {} and job.finished_at is None

    def stalls_then_fails(job: Job, progress: Progress) -> dict:
        _expire(job.pk)
        job_claim(job_id=job.pk)
        raise ValueError("stale worker")

    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
    job_run(job_id=job.pk, handler=stalls_then_fails)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.error_message == ""


def test_a_dropped_connection_is_retried_from_the_checkpoint(settings):
    settings.KDS_JOB_RETRY_SECONDS = 0
    job = Job.objects.create(kind=DEMO_KIND, params={"n": 10, "step_seconds": 0})
    calls = []

    def drops_once(job: Job, progress: Progress) -> dict:
        calls.append(progress.state.get("sum", 0))
        if len(calls) == 1:
            progress.set_total(10)
            progress.advance(4, state={"sum": 10})
            raise OperationalError("server closed the connection unexpectedly")
        job.refresh_from_db()
        return demo_count(job, progress)

    finished = job_run(job_id=job.pk, handler=drops_once)
    assert finished.status == Job.Status.SUCCEEDED, finished.error_message
    assert finished.result == {"counted": 10, "sum": 55}
    assert calls == [0, 10]  # the second run started from the checkpoint


def test_a_job_fails_after_its_retries_run_out(settings):
    settings.KDS_JOB_RETRY_SECONDS = 0
    settings.KDS_JOB_RETRIES = 2
    job = Job.objects.create(kind=DEMO_KIND)
    calls = []

    def always_drops(job: Job, progress: Progress) -> dict:
        calls.append(1)
        raise OperationalError("connection refused")

    finished = job_run(job_id=job.pk, handler=always_drops)
    assert finished.status == Job.Status.FAILED
    assert "connection refused" in finished.error_message
    assert len(calls) == 3


def test_stale_jobs_are_queued_again_once_however_many_sweep(monkeypatch):
    job = Job.objects.create(kind=DEMO_KIND)
    job_claim(job_id=job.pk)
    sent: list[int] = []
    monkeypatch.setitem(_TASKS, DEMO_KIND, SimpleNamespace(delay=sent.append))
    assert jobs_requeue_stale() == 0  # its lease is still running
    _expire(job.pk)
    assert jobs_requeue_stale() == 1
    assert jobs_requeue_stale() == 0  # a second sweeper (another worker, beat) finds nothing
    assert sent == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert job_claim(job_id=job.pk).attempts == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_shows_while_the_handler_works_inside_its_transaction():
    job = Job.objects.create(kind=DEMO_KIND)
    seen = []

    def long_transaction(job: Job, progress: Progress) -> dict:
        progress.set_total(10)
        with transaction.atomic():
            for done in (3, 6):
                progress.advance(done)
                seen.append(_done_seen_from_outside(job.pk))
        return {}

    finished = job_run(job_id=job.pk, handler=long_transaction)
    assert finished.status == Job.Status.SUCCEEDED
    assert seen == [3, 6]


def _done_seen_from_outside(job_id: int) -> int:
    other = connections["default"].copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT done FROM depok_kds_job WHERE id = %s", [job_id])
            return cursor.fetchone()[0]
    finally:
        other.close()


def test_nightly_work_runs_at_the_set_hour_whenever_beat_started():
    wib = ZoneInfo(settings.TIME_ZONE)
    for name in ("overlap-detect-nightly", "verivali-weekly"):
        schedule = settings.CELERY_BEAT_SCHEDULE[name]["schedule"]
        assert isinstance(schedule, crontab), name
        assert schedule.hour == {settings.KDS_NIGHTLY_HOUR}
    nightly = settings.CELERY_BEAT_SCHEDULE["overlap-detect-nightly"]["schedule"]
    nightly.nowfun = lambda: datetime(2026, 12, 6, 14, 0, tzinfo=wib)
    # Beat started at 13:00 (and ran nothing since): the next run is at the hour, not at 13:00.
    due, wait = nightly.is_due(datetime(2026, 12, 6, 13, 0, tzinfo=wib))
    assert not due
    assert round(wait / 3600) == (24 + settings.KDS_NIGHTLY_HOUR - 14) % 24
