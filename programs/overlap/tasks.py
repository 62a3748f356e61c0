"""The overlap detection job: nightly by beat (city-wide) and on demand (city or programme).

The whole detection takes seconds and is idempotent, so a job killed midway is simply run
again from the start; progress moves one step per rule.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from depok_kds.jobs import CITY, JobSubject, Progress, job_start, job_task
from depok_kds.models import Job, User
from programs.models import Programme
from programs.overlap.rules import RULES
from programs.overlap.services import detection_run

KIND = "overlap.detect"


@job_task(KIND, label=_("Overlap detection"), heavy=True)
def overlap_detect_job(job: Job, progress: Progress) -> dict[str, Any]:
    progress.set_total(len(RULES))
    result = detection_run(
        year=job.params.get("year"),
        programme_id=job.params.get("programme_id"),
        on_rule=lambda done, _code: progress.advance(done),
    )
    return result.as_dict()


@shared_task(name="overlap.detect_nightly", ignore_result=True)
def overlap_detect_nightly() -> None:
    """Beat entry: record and queue a city-wide detection job."""
    job_start(kind=KIND, requested_by=None, params={}, subject=CITY)


def overlap_detect_start(*, actor: User, programme: Programme | None, year: int) -> Job:
    """Queue detection for one programme (seen by its agency) or the whole city.

    The caller has checked that `actor` may run it for that programme or city-wide.
    """
    subject = JobSubject(agency_code=programme.agency.code) if programme is not None else CITY
    return job_start(
        kind=KIND,
        requested_by=actor,
        params={"programme_id": programme.pk if programme is not None else None, "year": year},
        subject=subject,
    )
