"""Matching with each chunk a Celery task that any worker takes (several machines)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from depok_kds import job_chunks
from depok_kds.job_chunks import job_chunk_run
from depok_kds.jobs import job_run
from depok_kds.models import Job, JobChunk
from registry.dukcapil.models import MatchOutcome, MatchRun
from registry.dukcapil.services import match_run_execute, match_run_start


def _outcomes(run: MatchRun) -> dict[int, tuple]:
    return {
        o.person_id: (o.outcome, o.method, o.candidate_nik, tuple(o.differences), o.score)
        for o in MatchOutcome.objects.filter(run=run)
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.xdist_group("processes")
def test_chunk_tasks_decide_as_one_process_does(city, dinsos_operator, settings, monkeypatch):
    settings.DUKCAPIL_MATCH_PROCESSES = 1
    one = match_run_start(actor=dinsos_operator)
    Job.objects.filter(pk=one.job_id).update(params={"chunk_size": 3})
    job_run(job_id=one.job_id, handler=match_run_execute)

    settings.DUKCAPIL_MATCH_CHUNK_TASKS = True
    queued: list[int] = []
    monkeypatch.setattr(job_chunks, "job_chunk_task", SimpleNamespace(delay=queued.append))
    run = match_run_start(actor=dinsos_operator)
    Job.objects.filter(pk=run.job_id).update(params={"chunk_size": 3})
    job = job_run(job_id=run.job_id, handler=match_run_execute)
    assert job.status == Job.Status.RUNNING  # handed out: 10 persons, 4 chunks
    assert len(queued) == JobChunk.objects.filter(job=job).count() == 4
    for chunk_id in queued[::-1]:  # taken in any order, by any worker
        job_chunk_run(chunk_id=chunk_id)
    job.refresh_from_db()
    run.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert (job.done, job.total, job.result["persons"]) == (10, 10, 10)
    assert run.finished_at is not None and run.summary["persons"] == 10
    assert sorted(_outcomes(run).values()) == sorted(_outcomes(one).values())
