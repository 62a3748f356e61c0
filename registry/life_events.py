"""Life events of a person (a death, a move out of Depok) that other apps act upon.

The registry knows nothing of programmes, so it cannot close a dead person's enrolments
itself. Apps that depend on the registry register a handler from their AppConfig.ready().
The registry's services call `life_events_notify` at the end of the use case: it records a
pending follow-up in the service's transaction and queues a job after commit, which runs
every handler (`life_event_follow_up_run`), retrying on failure. The death commits on its own;
a failing handler never rolls it back, and the follow-up's state (pending, done, failed with
the reason) is shown on the household page. Handlers are idempotent: a retry after a partial
run finds the work done so far and does the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from celery import current_app
from django.db import transaction
from django.db.models import F

from depok_kds.audit import recorded_user
from registry.models import LifeEventFollowUp

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

FOLLOW_UP_TASK = "registry.life_event_follow_up"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LifeEvent:
    kind: Literal["death", "moved_out"]
    person_id: int
    date: date
    actor: User | AnonymousUser | None


LifeEventHandler = Callable[[LifeEvent], None]
LIFE_EVENT_HANDLERS: list[LifeEventHandler] = []


def life_event_handler_register(handler: LifeEventHandler) -> None:
    """Add a handler called for every life event (once, however often registered)."""
    if handler not in LIFE_EVENT_HANDLERS:
        LIFE_EVENT_HANDLERS.append(handler)


def life_events_notify(event: LifeEvent) -> LifeEventFollowUp:
    """Record the event's follow-up as pending and queue its job once the caller commits."""
    follow_up, _created = LifeEventFollowUp.objects.update_or_create(
        person_id=event.person_id,
        kind=event.kind,
        defaults={
            "date": event.date,
            "actor": recorded_user(event.actor),
            "status": LifeEventFollowUp.Status.PENDING,
            "error": "",
        },
    )
    follow_up_id = follow_up.pk
    transaction.on_commit(lambda: _queue(follow_up_id))
    return follow_up


def _queue(follow_up_id: int) -> None:
    # The change has committed: a broker that cannot be reached must not turn it into an
    # error page. The follow-up stays pending, visibly, until it is queued again.
    try:
        current_app.send_task(FOLLOW_UP_TASK, args=[follow_up_id])
    except Exception:
        logger.exception("life event follow-up %s could not be queued", follow_up_id)


def life_event_follow_up_run(*, follow_up_id: int) -> LifeEventFollowUp:
    """Run every handler for a committed life event, in one transaction; record the outcome.

    A follow-up already done is left alone (a duplicate delivery of the job). A failure is
    recorded with its reason and raised again, so that the job is retried.
    """
    follow_up = LifeEventFollowUp.objects.select_related("actor").get(pk=follow_up_id)
    if follow_up.status == LifeEventFollowUp.Status.DONE:
        return follow_up
    event = LifeEvent(
        kind=follow_up.kind,  # type: ignore[arg-type]  # the model's choices are the kinds
        person_id=follow_up.person_id,
        date=follow_up.date,
        actor=follow_up.actor,
    )
    try:
        with transaction.atomic():
            # The row lock makes two deliveries of the job run one after the other.
            locked = LifeEventFollowUp.objects.select_for_update().get(pk=follow_up_id)
            if locked.status == LifeEventFollowUp.Status.DONE:
                return locked
            for handler in LIFE_EVENT_HANDLERS:
                handler(event)
            LifeEventFollowUp.objects.filter(pk=follow_up_id).update(
                status=LifeEventFollowUp.Status.DONE, error="", attempts=F("attempts") + 1
            )
    except Exception as exc:
        LifeEventFollowUp.objects.filter(pk=follow_up_id).update(
            status=LifeEventFollowUp.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            attempts=F("attempts") + 1,
        )
        raise
    follow_up.refresh_from_db()
    return follow_up
