"""Job handlers of the imports (preview, commit) and of the XLSX export of the search:
thin wrappers over their services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from depok_kds.jobs import Progress, job_task
from depok_kds.models import Job
from registry.export import EXPORT_KIND, household_export_run
from registry.imports.selectors import COMMIT_KIND, PREVIEW_KIND
from registry.imports.services import import_commit_run, import_preview_run


def _language(job: Job) -> str:
    # Reasons are written into the job in the language of the clerk who uploaded the file.
    return str(job.params.get("language") or settings.LANGUAGE_CODE)


@job_task(PREVIEW_KIND, label=_("Import: checking the file"))
def import_preview(job: Job, progress: Progress) -> dict[str, Any]:
    with translation.override(_language(job)):
        return import_preview_run(job=job, progress=progress)


@job_task(COMMIT_KIND, label=_("Import: writing to the registry"))
def import_commit(job: Job, progress: Progress) -> dict[str, Any]:
    with translation.override(_language(job)):
        return import_commit_run(job=job, progress=progress)


@job_task(EXPORT_KIND, label=_("Export of households to XLSX"))
def household_export(job: Job, progress: Progress) -> dict[str, Any]:
    return household_export_run(job=job, progress=progress)
