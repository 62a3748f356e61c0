"""The scorecard snapshot job: nightly by beat and on demand; one progress step per measure.

Each measure's counts are written in their own transaction and replace the date's earlier
ones, so a job killed midway is simply run again.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from depok_kds.jobs import CITY, Progress, job_start, job_task
from depok_kds.models import Job, User
from programs.scorecard.measures import MEASURES
from programs.scorecard.services import scorecard_snapshot_take

KIND = "scorecard.snapshot"


@job_task(KIND, label=_("Data-quality scorecard"), heavy=True)
def scorecard_snapshot_job(job: Job, progress: Progress) -> dict[str, Any]:
    progress.set_total(len(MEASURES))
    return scorecard_snapshot_take(on_measure=lambda done, _code: progress.advance(done))


@shared_task(name="scorecard.snapshot_nightly", ignore_result=True)
def scorecard_snapshot_nightly() -> None:
    """Beat entry: record and queue the night's snapshot job."""
    job_start(kind=KIND, requested_by=None, params={}, subject=CITY)


def scorecard_snapshot_start(*, actor: User) -> Job:
    """Queue a snapshot now (the caller checked that `actor` may run it)."""
    return job_start(kind=KIND, requested_by=actor, params={}, subject=CITY)
