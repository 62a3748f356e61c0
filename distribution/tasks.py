"""Distribution jobs, thin wrappers over the services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from depok_kds.jobs import Progress, job_task
from depok_kds.models import Job
from distribution.services.build import KIND, batch_build


@job_task(KIND, label=_("Building a distribution batch"))
def batch_build_job(job: Job, progress: Progress) -> dict[str, Any]:
    return batch_build(batch_id=int(job.params["batch_id"]), progress=progress)
