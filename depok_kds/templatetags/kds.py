from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.forms import BaseFormSet, Form
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from depok_kds import audit_sentences, formatting
from depok_kds.jobs import job_kind_label
from depok_kds.models import AuditEntry

register = template.Library()


@register.filter
def job_label(kind: str) -> StrOrPromise:
    return job_kind_label(kind)


@register.filter
def audit_sentence(entry: AuditEntry) -> str:
    return audit_sentences.audit_sentence(entry)


@register.filter
def rupiah(amount: Decimal | int | float | str | None) -> str:
    return formatting.rupiah(amount)


@register.filter
def tanggal(value: date | datetime | None) -> str:
    return formatting.long_date(value)


@register.filter
def tanggal_waktu(value: datetime | None) -> str:
    return formatting.long_datetime(value)


# Labels of the keys jobs put in their result, as people read them; an unknown key is
# shown with its underscores as spaces.
RESULT_LABELS = {
    "households": _("Households"),
    "full_numbers": _("Full NIK and No. KK"),
    "visits_created": _("Visits created"),
    "kelurahan": _("Kelurahan"),
    "enrolled": _("Enrolled"),
    "rows": _("Rows"),
    "rows_ready": _("Rows ready"),
    "file": _("File"),
    "seconds": _("Seconds"),
    "created": _("Created"),
    "updated": _("Updated"),
    "closed": _("Closed"),
    "refused": _("Refused"),
    "errors": _("Errors"),
    "count": _("Count"),
    "total": _("Total"),
    # What the Dukcapil matcher weighed (a match outcome's evidence).
    "name_score": _("Name similarity"),
    "rivals": _("Other candidates"),
    "similarity": _("Similarity"),
    "fields": _("Fields checked"),
    "message": _("Message"),
    "error": _("Error"),
}


def _result_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, int | float | Decimal):
        return formats.number_format(value, force_grouping=True)
    if isinstance(value, list | tuple):
        return ", ".join(_result_value(v) for v in value)
    return str(value)


@register.filter
def result_rows(result: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A job's result (nested mappings) as (label, value) rows: a table, never a dict."""
    if not isinstance(result, dict):
        return [("", _result_value(result))] if result not in (None, "") else []
    rows: list[tuple[str, str]] = []
    for key, value in result.items():
        label = str(RESULT_LABELS.get(str(key), str(key).replace("_", " ").capitalize()))
        label = f"{prefix} · {label}" if prefix else label
        if isinstance(value, dict):
            rows.extend(result_rows(value, label))
        else:
            rows.append((label, _result_value(value)))
    return rows


@register.inclusion_tag("depok_kds/_error_summary.html")
def error_summary(*forms: Form | BaseFormSet[Form] | None) -> dict[str, Any]:
    """The errors of every form on the page, at its top, each linking to its field; a formset
    counts as its own errors and its forms."""
    items: list[tuple[str, str]] = []
    for given in forms:
        if isinstance(given, BaseFormSet):
            if given.is_bound:
                items.extend(("", str(e)) for e in given.non_form_errors())
            each: list[Form | None] = list(given.forms)
        else:
            each = [given]
        items.extend(item for form in each for item in _form_errors(form))
    return {"items": items}


def _form_errors(form: Form | None) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    if form is not None and form.is_bound:
        for name, errors in form.errors.items():
            anchor = form[name].id_for_label if name in form.fields else ""
            label = str(form.fields[name].label) if name in form.fields else ""
            items.extend((anchor, f"{label}: {e}" if label else str(e)) for e in errors)
    return items
