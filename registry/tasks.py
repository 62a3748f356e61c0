"""Celery tasks of the registry.

Job handlers live beside their use case (`@job_task` in depok_kds.jobs registers them);
importing their modules here lets Celery's autodiscovery find them.
"""
