"""Distribution on other apps' pages (the household's payments) and the Rupiah format.

The household page includes one tag (`{% load distribution %}{% household_payments household %}`):
the coupling stays at template level, so the registry never imports this app.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from distribution.selectors import household_lines

register = template.Library()


@register.filter
def rupiah(value: Decimal | int | None) -> str:
    """Rp23.000.000, as Indonesian readers write it."""
    if value is None:
        return ""
    return "Rp" + f"{int(value):,}".replace(",", ".")


@register.inclusion_tag("distribution/_household_payments.html", takes_context=True)
def household_payments(context: dict[str, Any], household: Any) -> dict[str, Any]:
    user = context["request"].user
    may = user.has_perm("distribution.view_line")
    lines = list(household_lines(user=user, household_id=household.pk)[:200]) if may else []
    return {"lines": lines, "shown": may}
