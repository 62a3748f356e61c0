"""Platform tasks: the demo counting job and the sweeper that resumes jobs of dead workers."""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from depok_kds.jobs import Progress, job_task, jobs_requeue_stale
from depok_kds.models import Job

DEMO_KIND = "depok_kds.demo_count"


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


@shared_task(name="depok_kds.requeue_stale_jobs", ignore_result=True)
def requeue_stale_jobs() -> int:
    return jobs_requeue_stale()
