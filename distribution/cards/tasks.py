"""Card jobs: thin wrappers over the printing and the sweep."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from depok_kds.jobs import Progress, job_task
from depok_kds.models import Job
from distribution.cards.printing import PRINT_KIND, print_run
from distribution.cards.services import cards_revoke_unentitled


@job_task(PRINT_KIND, label=_("Printing KDS cards"))
def print_job(job: Job, progress: Progress) -> dict[str, Any]:
    return print_run(job=job, progress=progress)


@shared_task(name="cards.revoke_unentitled", ignore_result=True)
def revoke_unentitled() -> dict[str, int]:
    """Nightly: cards whose holder holds no KDS programme any more are revoked."""
    return cards_revoke_unentitled(actor=None)
