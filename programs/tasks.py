"""Programme jobs, thin wrappers over the services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from depok_kds.jobs import Progress, job_task
from depok_kds.models import Job
from programs.imports import KIND, recipient_import_run


@job_task(KIND, label=_("Recipient import"))
def recipient_import(job: Job, progress: Progress) -> dict[str, Any]:
    return recipient_import_run(job, progress)
