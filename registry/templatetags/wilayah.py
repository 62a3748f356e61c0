"""Kelurahan and kecamatan by name wherever a row carries only the code
(`{% load wilayah %}{{ row.kelurahan_code|kelurahan_name }}` gives "Tugu (Cimanggis)")."""

from __future__ import annotations

from functools import cache

from django import template

from registry.models import Kelurahan

register = template.Library()


@cache
def _names() -> dict[str, str]:
    # The 63 kelurahan of Depok are reference data loaded by a migration: read once.
    return {
        code: f"{name} ({kecamatan})"
        for code, name, kecamatan in Kelurahan.objects.values_list(
            "code", "name", "kecamatan__name"
        )
    }


@register.filter
def kelurahan_name(code: str | None) -> str:
    """The kelurahan's name with its kecamatan; an unknown code as it is."""
    if not code:
        return ""
    return _names().get(code) or str(code)
