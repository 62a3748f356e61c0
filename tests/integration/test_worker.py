"""Jobs on a real Celery worker process: end to end, and surviving a killed worker."""

from __future__ import annotations

import signal
import time

import pytest

from depok_kds.jobs import job_start, jobs_requeue_stale
from depok_kds.models import Job
from depok_kds.tasks import DEMO_KIND

pytestmark = [
    pytest.mark.integration,
    pytest.mark.xdist_group("worker"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def wait_for(predicate, *, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def job_status(job_id: int) -> Job:
    return Job.objects.get(pk=job_id)


def test_a_demo_job_runs_to_completion_on_a_real_worker(celery_worker_process, dinsos_operator):
    job = job_start(
        kind=DEMO_KIND, requested_by=dinsos_operator, params={"n": 10, "step_seconds": 0.05}
    )
    wait_for(lambda: job_status(job.pk).is_finished, what="the job to finish")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert job.result == {"counted": 10, "sum": 55}
    assert (job.done, job.total) == (10, 10)


def test_a_job_survives_a_killed_worker_without_losing_or_repeating_work(
    celery_worker_process, dinsos_operator
):
    job = job_start(
        kind=DEMO_KIND, requested_by=dinsos_operator, params={"n": 30, "step_seconds": 0.15}
    )
    wait_for(lambda: job_status(job.pk).done >= 5, what="the job to make progress")
    killed = _running_workers(celery_worker_process)
    for worker in killed:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    stalled_at = job_status(job.pk).done
    assert job_status(job.pk).status == Job.Status.RUNNING
    assert stalled_at < 30

    celery_worker_process()  # a fresh worker; the old one's lease must run out first
    wait_for(lambda: jobs_requeue_stale() > 0, timeout=20, what="the lease to run out")
    wait_for(lambda: job_status(job.pk).is_finished, what="the resumed job to finish")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert job.result == {"counted": 30, "sum": 465}  # 1 + ... + 30, each step exactly once
    assert job.attempts == 2


def _running_workers(start):
    return [w for w in start.workers if w.poll() is None]
