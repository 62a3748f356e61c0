"""Template tags that put overlap findings on other apps' pages.

The registry's household page and the programmes' application page include one tag each
(`{% load overlap %}{% household_findings household %}`): the coupling stays at template
level, so neither app imports this one.
"""

from __future__ import annotations

from typing import Any

from django import template

from programs.overlap.selectors import (
    application_findings as application_findings_select,
)
from programs.overlap.selectors import death_benefit_proposal
from programs.overlap.selectors import household_findings as select

register = template.Library()


@register.inclusion_tag("overlap/_findings.html", takes_context=True)
def household_findings(context: dict[str, Any], household: Any) -> dict[str, Any]:
    user = context["request"].user
    return {
        "findings": select(user=user, household_id=household.pk),
        "proposal": death_benefit_proposal(household_id=household.pk)
        if user.has_perm("overlap.view_deathbenefitproposal")
        else None,
        "section_id": "household-findings",
    }


@register.inclusion_tag("overlap/_findings.html", takes_context=True)
def application_findings(context: dict[str, Any], application: Any) -> dict[str, Any]:
    user = context["request"].user
    return {
        "findings": application_findings_select(user=user, application_id=application.pk),
        "proposal": None,
        "section_id": "application-findings",
    }
