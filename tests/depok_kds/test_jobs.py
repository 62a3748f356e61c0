"""Jobs: queueing after commit, claiming with a lease, resuming, failing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from depok_kds.jobs import Progress, job_claim, job_run, job_start, job_task
from depok_kds.models import AuditEntry, Job
from depok_kds.tasks import DEMO_KIND, demo_count

pytestmark = pytest.mark.django_db


def test_job_start_records_the_job_and_queues_it_after_commit(
    dinsos_operator, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from depok_kds.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            job = job_start(
                kind=DEMO_KIND, requested_by=dinsos_operator, params={"n": 3, "step_seconds": 0}
            )
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
        assert len(callbacks) == 1
        callbacks[0]()
    finally:
        app.conf.task_always_eager = False
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result == {"counted": 3, "sum": 6}
    assert job.percent == 100
    assert AuditEntry.objects.filter(action="job.start", target_id=str(job.pk)).exists()


def test_unknown_job_kind_is_refused(dinsos_operator):
    with pytest.raises(LookupError):
        job_start(kind="no.such.job", requested_by=dinsos_operator)


def test_a_leased_job_cannot_be_claimed_twice(dinsos_operator):
    job = Job.objects.create(kind=DEMO_KIND, requested_by=dinsos_operator)
    assert job_claim(job_id=job.pk) is not None
    assert job_claim(job_id=job.pk) is None


def test_a_job_whose_worker_died_resumes_from_its_checkpoint(dinsos_operator):
    job = Job.objects.create(kind=DEMO_KIND, params={"n": 10, "step_seconds": 0})
    claimed = job_claim(job_id=job.pk)
    progress = Progress(claimed)
    progress.set_total(10)
    progress.advance(4, state={"sum": 1 + 2 + 3 + 4})
    # The worker dies here; its lease runs out.
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    finished = job_run(job_id=job.pk, handler=demo_count)
    assert finished.status == Job.Status.SUCCEEDED
    assert finished.result["sum"] == 55  # no step lost, none counted twice
    assert finished.attempts == 2


def test_a_failing_job_records_its_error():
    @job_task("tests.always_fails")
    def always_fails(job: Job, progress: Progress) -> dict:
        raise ValueError("broken input file")

    job = Job.objects.create(kind="tests.always_fails")
    job = job_run(job_id=job.pk, handler=always_fails)
    assert job.status == Job.Status.FAILED
    assert "broken input file" in job.error_message
    assert job.finished_at is not None
