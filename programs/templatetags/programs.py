"""Template tags that put a household's programmes on the registry's household page.

The registry knows nothing of programmes; its page includes one tag
(`{% load programs %}{% household_programmes household %}`), so the coupling stays at
template level, the way the overlap findings and later sections (payments, card) join it.
"""

from __future__ import annotations

from typing import Any

from django import template

from programs.selectors import application_list, enrolment_list, open_cycles

register = template.Library()
SHOWN = 50


@register.inclusion_tag("programs/_household_programmes.html", takes_context=True)
def household_programmes(context: dict[str, Any], household: Any) -> dict[str, Any]:
    """What the household receives (enrolments), what it asked for (applications), and the
    open cycles the user may propose it for ("Ajukan program")."""
    user = context["request"].user
    may_apply = user.has_perm("programs.add_application") and household.status == "active"
    return {
        "household": household,
        "enrolments": list(enrolment_list(user=user, household_id=household.pk)[:SHOWN])
        if user.has_perm("programs.view_enrolment")
        else [],
        "applications": list(
            application_list(user=user, household_id=household.pk).select_related("household")[
                :SHOWN
            ]
        )
        if user.has_perm("programs.view_application")
        else [],
        "cycles": list(open_cycles(user=user)) if may_apply else [],
        "head": household.head,
        "perms": context.get("perms"),
    }
