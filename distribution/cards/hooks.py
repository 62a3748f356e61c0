"""What cards do when the registry reports a life event or a split (registered in apps.py)."""

from __future__ import annotations

from distribution.cards.models import Card
from distribution.cards.services import split_card_request, student_cards_end
from registry.household_hooks import HouseholdSplit
from registry.life_events import LifeEvent

END_REASONS = {"death": Card.RevokeReason.DECEASED, "moved_out": Card.RevokeReason.LEFT_CITY}


def life_event_handle(event: LifeEvent) -> None:
    """A student who died or left Depok: their student card ends."""
    reason = END_REASONS.get(event.kind)
    if reason is not None:
        student_cards_end(actor=event.actor, person_id=event.person_id, reason=reason)


def household_split_handle(split: HouseholdSplit) -> None:
    split_card_request(
        actor=split.actor, household_id=split.household_id, new_household_id=split.new_household_id
    )
