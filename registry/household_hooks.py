"""Household use cases that other apps act upon (a split), as `life_events` does for persons.

The registry knows nothing of the apps built on it, so `household_split` calls
`split_notify` explicitly at the end of the use case (inside its transaction), and apps
register a handler from their AppConfig.ready(). A handler that raises rolls the split back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User


@dataclass(frozen=True)
class HouseholdSplit:
    household_id: int
    new_household_id: int
    actor: User | AnonymousUser | None


SplitHandler = Callable[[HouseholdSplit], None]
SPLIT_HANDLERS: list[SplitHandler] = []


def split_handler_register(handler: SplitHandler) -> None:
    """Add a handler called for every split (once, however often registered)."""
    if handler not in SPLIT_HANDLERS:
        SPLIT_HANDLERS.append(handler)


def split_notify(split: HouseholdSplit) -> None:
    for handler in SPLIT_HANDLERS:
        handler(split)
