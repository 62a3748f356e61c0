"""Template tags that put verification's work on the registry's household page
(`{% load verification %}{% household_complaints household %}`), so that the registry
never imports this app."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from verification.selectors import complaint_list

register = template.Library()
SHOWN = 20


@register.inclusion_tag("verification/_household_complaints.html", takes_context=True)
def household_complaints(context: dict[str, Any], household: Any) -> dict[str, Any]:
    user = context["request"].user
    complaints = (
        list(complaint_list(user=user).filter(household_id=household.pk)[:SHOWN])
        if user.has_perm("verification.view_complaint")
        else []
    )
    return {"complaints": complaints, "now": timezone.now(), "shown": SHOWN}
