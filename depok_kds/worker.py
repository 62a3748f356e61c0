"""The worker's own part of the job runtime: taking over jobs whose worker died.

Without it a dead worker's job waits for beat's sweeper, and with no beat running it
never moves. Each worker queues such jobs again when it starts and then at every
`KDS_JOB_TAKEOVER_SECONDS` while it has a free slot (with the solo pool the timer only
fires between tasks, i.e. when the worker is idle); the compare-and-set in
`jobs_requeue_stale` queues each job once however many workers sweep at the same time.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import bootsteps
from celery.worker import state
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from depok_kds.job_chunks import chunks_requeue_stale
from depok_kds.jobs import jobs_requeue_stale

logger = logging.getLogger(__name__)


def takeover_seconds() -> float:
    return float(getattr(settings, "KDS_JOB_TAKEOVER_SECONDS", 15.0))


class JobTakeover(bootsteps.StartStopStep):
    """Consumer step: sweep for expired leases at start and whenever the worker is idle."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.timer_ref: Any = None

    def start(self, parent: Any) -> None:
        self.sweep(parent)
        self.timer_ref = parent.timer.call_repeatedly(takeover_seconds(), self.sweep, (parent,))

    def stop(self, parent: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None

    def shutdown(self, parent: Any) -> None:
        self.stop(parent)

    def sweep(self, parent: Any) -> None:
        concurrency = getattr(parent.controller, "concurrency", 1) or 1
        if len(state.active_requests) >= concurrency:
            return  # busy: a free worker will take the job over
        try:
            close_old_connections()
            requeued = jobs_requeue_stale() + chunks_requeue_stale()
        except DatabaseError:
            logger.warning("job takeover: the database is not reachable; trying again later")
            return
        if requeued:
            logger.warning("took over %d job(s) or chunk(s) whose worker stopped", requeued)
