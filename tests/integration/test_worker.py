"""Jobs on a real Celery worker process: end to end, and surviving a killed worker."""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from depok_kds.jobs import job_start, jobs_requeue_stale
from depok_kds.models import Job, JobChunk
from depok_kds.tasks import DEMO_CHUNKED_KIND, DEMO_KIND
from programs.overlap.tasks import KIND as DETECT_KIND

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
    # Then the sweep hands the job back, unless the fresh worker, which looks for expired
    # leases itself, has already taken it over: either way it runs on its second claim.
    wait_for(
        lambda: jobs_requeue_stale() > 0 or job_status(job.pk).attempts >= 2,
        timeout=20,
        what="the lease to run out",
    )
    wait_for(lambda: job_status(job.pk).is_finished, what="the resumed job to finish")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert job.result == {"counted": 30, "sum": 465}  # 1 + ... + 30, each step exactly once
    assert job.attempts == 2


def _running_workers(start):
    return [w for w in start.workers if w.poll() is None]


def _worker_running(start, job_id: int):
    """The worker process that holds the job's lease."""
    pid = int(job_status(job_id).leased_by.rsplit(":", 1)[1])
    (worker,) = [w for w in start.workers if w.pid == pid]
    return worker


def test_an_idle_worker_takes_over_a_killed_workers_job_with_no_beat(
    celery_worker_process, dinsos_operator
):
    celery_worker_process()  # two workers: one runs the job, the other is idle
    job = job_start(
        kind=DEMO_KIND, requested_by=dinsos_operator, params={"n": 40, "step_seconds": 0.1}
    )
    wait_for(lambda: job_status(job.pk).done >= 5, what="the job to make progress")
    running = _worker_running(celery_worker_process, job.pk)
    running.send_signal(signal.SIGKILL)
    running.wait(timeout=10)
    assert job_status(job.pk).done < 40

    # No beat and no sweep from here: the idle worker must notice the expired lease.
    wait_for(lambda: job_status(job.pk).is_finished, what="the taken-over job to finish")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert job.result == {"counted": 40, "sum": 820}  # each step exactly once
    assert job.attempts == 2
    assert job.leased_by != "" and str(running.pid) not in job.leased_by.split(":")[-1]


def test_a_worker_that_starts_takes_over_a_killed_workers_job(
    celery_worker_process, dinsos_operator
):
    job = job_start(
        kind=DEMO_KIND, requested_by=dinsos_operator, params={"n": 30, "step_seconds": 0.1}
    )
    wait_for(lambda: job_status(job.pk).done >= 5, what="the job to make progress")
    for worker in _running_workers(celery_worker_process):
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    time.sleep(3.5)  # the lease (3 s in these tests) runs out while no worker is up
    celery_worker_process()
    wait_for(lambda: job_status(job.pk).is_finished, what="the taken-over job to finish")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert job.result == {"counted": 30, "sum": 465}
    assert job.attempts == 2


def test_a_job_survives_its_database_connection_being_dropped(
    celery_worker_process, dinsos_operator
):
    job = job_start(
        kind=DEMO_KIND, requested_by=dinsos_operator, params={"n": 30, "step_seconds": 0.1}
    )
    wait_for(lambda: job_status(job.pk).done >= 5, what="the job to make progress")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1
    wait_for(lambda: job_status(job.pk).is_finished, what="the job to finish")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert job.result == {"counted": 30, "sum": 465}
    assert job.attempts == 1  # retried by the same worker, not taken over


def test_two_workers_share_one_jobs_chunks_and_a_killed_workers_chunk_is_done_once(
    celery_worker_process, dinsos_operator
):
    celery_worker_process()
    job = job_start(
        kind=DEMO_CHUNKED_KIND,
        requested_by=dinsos_operator,
        params={"n": 48, "chunk": 6, "step_seconds": 0.1},
    )

    def workers_on_chunks() -> set[str]:
        running = JobChunk.objects.filter(job=job, status=JobChunk.Status.RUNNING)
        return set(running.values_list("leased_by", flat=True))

    wait_for(lambda: len(workers_on_chunks()) == 2, what="both workers to take a chunk")
    victim_pid = int(sorted(workers_on_chunks())[0].rsplit(":", 1)[1])
    (victim,) = [w for w in celery_worker_process.workers if w.pid == victim_pid]
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)

    wait_for(lambda: job_status(job.pk).is_finished, what="the chunked job to finish")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert job.result == {"counted": 48, "sum": 1176}  # 1 + ... + 48, each number once
    chunks = JobChunk.objects.filter(job=job)
    assert chunks.count() == 8 and not chunks.exclude(status=JobChunk.Status.DONE).exists()
    assert chunks.filter(attempts=2).count() == 1  # the killed worker's chunk, taken again


def test_a_flood_of_identical_heavy_requests_makes_one_job_that_a_real_worker_finishes(
    celery_worker_process, api_client_factory, dinsos_operator, settings
):
    """One API key asks for the same city-wide detection 40 times at once: one job, which
    the worker runs; a second kind of request is queued; the third is over the cap (409)."""
    settings.KDS_JOB_CAP_PER_REQUESTER = 2
    _client, key = api_client_factory(["jobs:write", "jobs:read"])
    url = reverse("overlap_api:detect")
    # The worker is busy first, so the flood's jobs stay queued while it lasts: 15 s, well
    # beyond the flood's few seconds on a loaded machine (a busy job that ended mid-flood
    # let the worker finish the joined job, and the next request rightly started another).
    busy = job_start(
        kind=DEMO_KIND, requested_by=dinsos_operator, params={"n": 150, "step_seconds": 0.1}
    )
    wait_for(lambda: job_status(busy.pk).status == Job.Status.RUNNING, what="the busy job")

    def post(year: int) -> tuple[int, dict]:
        try:
            response = Client(headers={"Authorization": f"Bearer {key}"}).post(url, {"year": year})
            return response.status_code, response.json()
        finally:
            connection.close()  # each thread's own connection

    with ThreadPoolExecutor(max_workers=8) as pool:
        flood = list(pool.map(post, [2026] * 40))
    assert {status for status, _body in flood} == {202}
    assert len({body["job"] for _status, body in flood}) == 1
    assert post(2025)[0] == 202
    over, body = post(2024)
    assert over == 409 and body["error"]["code"] == "too_many_jobs"

    detect = Job.objects.filter(kind=DETECT_KIND)
    assert detect.count() == 2
    wait_for(lambda: all(job.is_finished for job in detect.all()), timeout=120, what="the jobs")
    assert set(detect.values_list("status", flat=True)) == {Job.Status.SUCCEEDED}
