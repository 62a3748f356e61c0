"""Aggregates of the registry for dashboards: counts only, never a person.

City-wide users (Dinsos, agencies, leadership) see the city by kecamatan; a user scoped to
kelurahan (a Puskesos officer) sees each of their kelurahan, as `aggregate_scope_for` says.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from depok_kds.charts import bar_chart
from depok_kds.dashboard import panel_scope
from depok_kds.models import User
from registry.models import Household, Kecamatan, Kelurahan
from registry.models.household import PovertyClass

CACHE_SECONDS = 300
COUNTS = ("miskin", "rentan", "tidak_miskin", "desil_1_5", "total")


def _poverty_rows(
    areas: Iterable[Kecamatan | Kelurahan], *, area_field: str, **narrowed: Any
) -> list[dict[str, Any]]:
    """Active households of each area (in `areas` order) by local poverty class, and how
    many have desil 1-5; `area_field` is the household's path to the area's code."""
    counts = {
        row[area_field]: row
        for row in Household.objects.filter(status=Household.Status.ACTIVE, **narrowed)
        .values(area_field)
        .annotate(
            miskin=Count("id", filter=Q(poverty_class=PovertyClass.MISKIN)),
            rentan=Count("id", filter=Q(poverty_class=PovertyClass.RENTAN)),
            tidak_miskin=Count("id", filter=Q(poverty_class=PovertyClass.TIDAK_MISKIN)),
            desil_1_5=Count("id", filter=Q(desil__lte=5)),
            total=Count("id"),
        )
    }
    return [
        {
            "code": area.code,
            "name": area.name,
            **{key: counts.get(area.code, {}).get(key, 0) for key in COUNTS},
        }
        for area in areas
    ]


def poverty_by_kecamatan() -> list[dict[str, Any]]:
    """The city's households per kecamatan (`_poverty_rows`), cached for all users."""
    cached: list[dict[str, Any]] | None = cache.get("registry:poverty_by_kecamatan")
    if cached is not None:
        return cached
    rows = _poverty_rows(Kecamatan.objects.order_by("code"), area_field="kelurahan__kecamatan_id")
    cache.set("registry:poverty_by_kecamatan", rows, CACHE_SECONDS)
    return rows


def poverty_by_kelurahan(codes: Sequence[str]) -> list[dict[str, Any]]:
    """The households of the kelurahan `codes` (`_poverty_rows`), one row each."""
    return _poverty_rows(
        Kelurahan.objects.filter(code__in=codes).order_by("code"),
        area_field="kelurahan_id",
        kelurahan_id__in=codes,
    )


def poverty_panel(user: User) -> dict[str, Any] | None:
    scope = panel_scope(user, "depok_kds.view_aggregates", "registry.view_household")
    if scope is None:
        return None
    if scope.kelurahan_codes is None:
        rows, area, heading = poverty_by_kecamatan(), _("Kecamatan"), _("Poverty by kecamatan")
        title = _("Poor and vulnerable households by kecamatan")
    else:
        rows = poverty_by_kelurahan(sorted(scope.kelurahan_codes))
        area, heading = _("Kelurahan"), _("Poverty by kelurahan")
        title = _("Poor and vulnerable households by kelurahan")
    chart = bar_chart(
        [(row["name"], [row["miskin"], row["rentan"]]) for row in rows],
        title=str(title),
        unit=str(_("households")),
        series=[str(PovertyClass.MISKIN.label), str(PovertyClass.RENTAN.label)],
    )
    return {
        "template": "registry/_poverty_panel.html",
        "heading": heading,
        "area": area,
        "chart": chart,
        "rows": rows,
    }
