"""Template filters for DTSEN quarters."""

from __future__ import annotations

from django import template

from registry.dtsen import quarter_before as _quarter_before

register = template.Library()


@register.filter
def quarter_before(period: str) -> str:
    """The quarter before `period` ('2026Q1' gives '2025Q4')."""
    return _quarter_before(period)
