"""Jobs of the DTSEN transition: a quarter's impact (after each desil import, and on demand)
and the nightly application of approved exits whose date has come."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.jobs import CITY, Progress, job_start, job_task
from depok_kds.models import Job, User
from programs.transition.impact import STEPS, impact_compute
from programs.transition.services import exit_proposals_apply
from registry.dtsen import QuarterImported

KIND = "transition.impact"


@job_task(KIND, label=_("DTSEN quarter impact"), heavy=True)
def impact_job(job: Job, progress: Progress) -> dict[str, Any]:
    """One quarter, or several (an import may hold more than one period); idempotent, so a
    re-run after a killed worker computes the whole quarter again."""
    periods: list[str] = job.params["periods"]
    progress.set_total(STEPS * len(periods))
    results = {}
    for n, period in enumerate(periods):
        result = impact_compute(
            period=period,
            actor_id=job.params.get("proposed_by"),
            on_step=lambda done, n=n: progress.advance(n * STEPS + done),  # type: ignore[misc]
        )
        results[period] = result.as_dict()
    return {"periods": results}


def impact_start(*, actor: User | None, periods: list[str], proposed_by: int | None) -> Job:
    """Queue the impact of these quarters, seen city-wide (its counts are aggregates)."""
    return job_start(
        kind=KIND,
        requested_by=actor,
        params={"periods": sorted(periods), "proposed_by": proposed_by},
        subject=CITY,
    )


def impact_on_import(event: QuarterImported) -> None:
    """After a desil import: compute the impact of its quarters (queued after commit). Queued
    by the system, not the importer, so that the importer's cap on heavy jobs can never
    refuse (and so roll back) the import that caused it."""
    impact_start(
        actor=None,
        periods=list(event.periods),
        proposed_by=event.actor.pk if event.actor is not None else None,
    )


@shared_task(name="transition.exits_apply", ignore_result=True)
def exits_apply_nightly() -> None:
    """Beat entry: apply the approved exits whose date has come, hold or release the rest."""
    exit_proposals_apply(actor=None, on=timezone.localdate())
