"""Celery tasks of Dukcapil matching.

The job handlers (`@job_task`) live beside their use cases in `services`; importing them
here lets Celery's autodiscovery register them.
"""

from registry.dukcapil.services import extracts, runs  # noqa: F401
