"""Celery tasks of the registry.

Job handlers live beside their use case (`@job_task` in depok_kds.jobs registers them);
importing their modules here lets Celery's autodiscovery find them.
"""

from registry import rescore  # noqa: F401
from registry.imports import tasks as import_tasks  # noqa: F401
