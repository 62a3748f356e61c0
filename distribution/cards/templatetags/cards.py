"""The KDS card section of the registry's household page.

The household page includes one tag (`{% load cards %}{% household_kds_cards household %}`):
the coupling stays at template level, so the registry never imports this app.
"""

from __future__ import annotations

from typing import Any

from django import template

from distribution.cards.forms import RequestForm
from distribution.cards.numbers import card_number_display
from distribution.cards.selectors import holder_name, household_card_candidates, household_cards

register = template.Library()


@register.inclusion_tag("cards/_household_cards.html", takes_context=True)
def household_kds_cards(context: dict[str, Any], household: Any) -> dict[str, Any]:
    user = context["request"].user
    if not user.has_perm("cards.view_card"):
        return {"hidden": True}
    cards = household_cards(user=user, household_id=household.pk)
    rows = [(card, card_number_display(card.number), holder_name(card)) for card in cards]
    can_add = user.has_perm("cards.add_card")
    candidates = household_card_candidates(household_id=household.pk) if can_add else None
    return {
        "household": household,
        "rows": rows,
        "can_add": can_add,
        "family_entitled": candidates.family if candidates else False,
        "students": candidates.students if candidates else [],
        "printable": [row for row in rows if row[0].state in ("requested", "printed")],
        "csrf_token": context.get("csrf_token"),
        "card_form": refused
        if isinstance(refused := context.get("refused"), RequestForm)
        else None,
    }
