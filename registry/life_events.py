"""Life events of a person (a death, a move out of Depok) that other apps act upon.

The registry knows nothing of programmes, so it cannot close a dead person's enrolments
itself. Instead its services call `life_events_notify` explicitly at the end of the use
case (inside its transaction), and apps that depend on the registry register a handler
from their AppConfig.ready(). A handler that raises rolls the registry change back, so the
registry and its consequences never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User


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


def life_events_notify(event: LifeEvent) -> None:
    """Tell every registered handler, in registration order."""
    for handler in LIFE_EVENT_HANDLERS:
        handler(event)
