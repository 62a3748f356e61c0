"""Celery tasks of the registry.

Job handlers live beside their use case (`@job_task` in depok_kds.jobs registers them);
importing their modules here lets Celery's autodiscovery find them.
"""

from celery import shared_task

from registry import rescore  # noqa: F401
from registry.imports import tasks as import_tasks  # noqa: F401
from registry.life_events import FOLLOW_UP_TASK, life_event_follow_up_run
from registry.retention import files_purge
from registry.services import NAME_WORDS_RECOUNT_TASK, name_words_recount, name_words_refresh


@shared_task(name="registry.files_purge", ignore_result=True)
def files_purge_old() -> dict[str, int]:
    """The beat's hourly purge of old exports and import uploads (`registry.retention`)."""
    return files_purge()


@shared_task(
    name=FOLLOW_UP_TASK,
    ignore_result=True,
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def life_event_follow_up(follow_up_id: int) -> None:
    """The programmes' follow-up of a committed death or move out (`registry.life_events`)."""
    life_event_follow_up_run(follow_up_id=follow_up_id)


@shared_task(name="registry.name_words_refresh", ignore_result=True)
def name_words_nightly() -> int:
    """The beat's nightly recount of the words of names that the name search weighs."""
    return name_words_refresh()


@shared_task(
    name=NAME_WORDS_RECOUNT_TASK,
    ignore_result=True,
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    max_retries=5,
)
def name_words_after_import(words: list[str]) -> int:
    """An import's follow-up: recount the words of the names it wrote (idempotent)."""
    return name_words_recount(words)
