"""Celery tasks of the registry.

Job handlers live beside their use case (`@job_task` in depok_kds.jobs registers them);
importing their modules here lets Celery's autodiscovery find them.
"""

from celery import shared_task

from registry import rescore  # noqa: F401
from registry.imports import tasks as import_tasks  # noqa: F401
from registry.retention import files_purge
from registry.services import name_words_refresh


@shared_task(name="registry.files_purge", ignore_result=True)
def files_purge_old() -> dict[str, int]:
    """The beat's hourly purge of old exports and import uploads (`registry.retention`)."""
    return files_purge()


@shared_task(name="registry.name_words_refresh", ignore_result=True)
def name_words_nightly() -> int:
    """The beat's nightly recount of the words of names that the name search weighs."""
    return name_words_refresh()
