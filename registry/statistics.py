"""Aggregates of the registry for dashboards: counts only, never a person."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from depok_kds.charts import bar_chart
from depok_kds.models import User
from registry.models import Household, Kecamatan
from registry.models.household import PovertyClass

CACHE_SECONDS = 300


def poverty_by_kecamatan() -> list[dict[str, Any]]:
    """Active households per kecamatan by local poverty class, and how many have desil 1-5."""
    cached: list[dict[str, Any]] | None = cache.get("registry:poverty_by_kecamatan")
    if cached is not None:
        return cached
    counts = {
        row["kelurahan__kecamatan_id"]: row
        for row in Household.objects.filter(status=Household.Status.ACTIVE)
        .values("kelurahan__kecamatan_id")
        .annotate(
            miskin=Count("id", filter=Q(poverty_class=PovertyClass.MISKIN)),
            rentan=Count("id", filter=Q(poverty_class=PovertyClass.RENTAN)),
            tidak_miskin=Count("id", filter=Q(poverty_class=PovertyClass.TIDAK_MISKIN)),
            desil_1_5=Count("id", filter=Q(desil__lte=5)),
            total=Count("id"),
        )
    }
    rows = []
    for kecamatan in Kecamatan.objects.order_by("code"):
        row = counts.get(kecamatan.code, {})
        rows.append(
            {
                "code": kecamatan.code,
                "name": kecamatan.name,
                **{
                    key: row.get(key, 0)
                    for key in ("miskin", "rentan", "tidak_miskin", "desil_1_5", "total")
                },
            }
        )
    cache.set("registry:poverty_by_kecamatan", rows, CACHE_SECONDS)
    return rows


def poverty_panel(user: User) -> dict[str, Any] | None:
    if not (user.has_perm("depok_kds.view_aggregates") or user.has_perm("registry.view_household")):
        return None
    rows = poverty_by_kecamatan()
    chart = bar_chart(
        [(row["name"], [row["miskin"], row["rentan"]]) for row in rows],
        title=str(_("Poor and vulnerable households by kecamatan")),
        unit=str(_("households")),
        series=[str(PovertyClass.MISKIN.label), str(PovertyClass.RENTAN.label)],
    )
    return {"template": "registry/_poverty_panel.html", "chart": chart, "rows": rows}
