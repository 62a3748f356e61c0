"""Distribution on other apps' pages, and the Rupiah format for distribution's own.

The household page includes one tag (`{% load distribution %}{% household_payments household %}`)
and the task inbox ("Tugas saya") another (`{% task_batches %}`, the batches awaiting the
user's approval): the coupling stays at template level, so neither app imports this one.
"""

from __future__ import annotations

from typing import Any

from django import template

from depok_kds.formatting import rupiah
from distribution.reasons import reason_text
from distribution.selectors import batches_awaiting_approval, household_lines

register = template.Library()


# The one Rupiah format (Rp23.000.000), under the name distribution's templates use.
register.filter("rupiah", rupiah)


@register.filter
def reason(message: str, params: dict[str, Any] | None = None) -> str:
    """A reason the system gave (a msgid with its parameters) in the reader's language:
    `{{ refusal.detail|reason:refusal.params }}`."""
    return reason_text(message, params)


@register.inclusion_tag("distribution/_household_payments.html", takes_context=True)
def household_payments(context: dict[str, Any], household: Any) -> dict[str, Any]:
    user = context["request"].user
    may = user.has_perm("distribution.view_line")
    lines = list(household_lines(user=user, household_id=household.pk)[:200]) if may else []
    return {"lines": lines, "shown": may}


@register.inclusion_tag("distribution/_task_batches.html", takes_context=True)
def task_batches(context: dict[str, Any]) -> dict[str, Any]:
    batches = batches_awaiting_approval(user=context["request"].user)
    return {"batches": list(batches[:20]), "total": batches.count()}
