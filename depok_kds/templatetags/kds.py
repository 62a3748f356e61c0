from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.forms import Form
from django_stubs_ext import StrOrPromise

from depok_kds import formatting
from depok_kds.jobs import job_kind_label

register = template.Library()


@register.filter
def job_label(kind: str) -> StrOrPromise:
    return job_kind_label(kind)


@register.filter
def rupiah(amount: Decimal | int | float | str | None) -> str:
    return formatting.rupiah(amount)


@register.filter
def tanggal(value: date | datetime | None) -> str:
    return formatting.long_date(value)


@register.inclusion_tag("depok_kds/_error_summary.html")
def error_summary(*forms: Form | None) -> dict[str, Any]:
    """The errors of every form on the page, at its top, each linking to its field."""
    items: list[tuple[str, str]] = []
    for form in forms:
        if form is None or not form.is_bound:
            continue
        for name, errors in form.errors.items():
            anchor = form[name].id_for_label if name in form.fields else ""
            label = str(form.fields[name].label) if name in form.fields else ""
            items.extend((anchor, f"{label}: {e}" if label else str(e)) for e in errors)
    return {"items": items}
