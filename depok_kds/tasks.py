"""Platform tasks: the demo counting job and the sweeper that resumes jobs of dead workers."""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from depok_kds.job_chunks import ChunkProgress, chunked_job_task, chunks_requeue_stale
from depok_kds.jobs import Progress, job_task, jobs_requeue_stale
from depok_kds.models import Job

DEMO_KIND = "depok_kds.demo_count"
DEMO_CHUNKED_KIND = "depok_kds.demo_count_chunked"


@job_task(DEMO_KIND, label=_("Demo: counting"))
def demo_count(job: Job, progress: Progress) -> dict[str, Any]:
    """Count to `n`, one step per `step_seconds`, checkpointing the running sum.

    A re-run after a killed worker continues from the checkpoint: the final sum is
    n(n+1)/2 exactly when no step was lost or repeated.
    """
    n = int(job.params.get("n", 20))
    step_seconds = float(job.params.get("step_seconds", 0.2))
    progress.set_total(n)
    state = progress.state
    total = int(state.get("sum", 0))
    for i in range(job.done + 1, n + 1):
        time.sleep(step_seconds)
        total += i
        progress.advance(i, state={"sum": total})
    return {"counted": n, "sum": total}


def demo_plan(job: Job, progress: Progress) -> list[dict[str, Any]]:
    """Count to `n` in chunks of `chunk` numbers, each a task any worker may take."""
    n, size = int(job.params.get("n", 20)), int(job.params.get("chunk", 5))
    progress.set_total(n)
    return [{"first": first, "last": min(first + size - 1, n)} for first in range(1, n + 1, size)]


def demo_chunk(job: Job, params: dict[str, Any], progress: ChunkProgress) -> dict[str, Any]:
    step_seconds = float(job.params.get("step_seconds", 0.2))
    first, last = int(params["first"]), int(params["last"])
    total = int(progress.state.get("sum", 0))
    for i in range(first + int(progress.state.get("counted", 0)), last + 1):
        time.sleep(step_seconds)
        total += i
        progress.advance(i - first + 1, state={"counted": i - first + 1, "sum": total})
    return {"sum": total, "counted": last - first + 1}


def demo_finish(job: Job, results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "counted": sum(r["counted"] for r in results),
        "sum": sum(r["sum"] for r in results),
    }


demo_count_chunked = chunked_job_task(
    DEMO_CHUNKED_KIND,
    plan=demo_plan,
    chunk=demo_chunk,
    finish=demo_finish,
    label=_("Demo: counting in chunks"),
)


@shared_task(name="depok_kds.requeue_stale_jobs", ignore_result=True)
def requeue_stale_jobs() -> int:
    return jobs_requeue_stale() + chunks_requeue_stale()
