"""The programmes' dashboard panel: recipients per programme this year (counts only).

Registered in `depok_kds.dashboard.DASHBOARD_PANELS`. It reads the recipients report
(`programs.report.recipient_report`) narrowed to what the reader may count: an agency
officer their agency's programmes, a kelurahan-scoped reader their kelurahan, Dinsos, the
auditor and leadership the whole city. The report's one GROUP BY is served by
`enrolment_report_idx` (year, programme, person) as an index-only scan of one year (for an
agency, with its programme ids in the index condition); a kelurahan scope goes through
`enrolment_kelurahan_idx` (kelurahan_code, year); `benchmarks/scenarios/dashboard.py`
measures it. The counts are cached for a few minutes per scope and year, as everyone
lands on the dashboard.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext

from depok_kds.access import Scope
from depok_kds.charts import bar_chart
from depok_kds.dashboard import panel_scope
from depok_kds.models import User
from programs.report import recipient_report

CACHE_SECONDS = 300


def recipients_per_programme(*, year: int, scope: Scope) -> list[tuple[str, int]]:
    """(programme name, distinct recipients in `year`) in report order, within `scope`."""
    kelurahan = sorted(scope.kelurahan_codes) if scope.kelurahan_codes is not None else None
    kelurahan_key = "*" if kelurahan is None else ",".join(kelurahan)
    key = f"programs:recipients:{year}:{scope.agency_code or '*'}:{kelurahan_key}"
    cached: list[tuple[str, int]] | None = cache.get(key)
    if cached is not None:
        return cached
    report = recipient_report(
        years=[year], agency=scope.agency_code or "", kelurahan_codes=kelurahan, demo_note=False
    )
    rows = [(row.programme.name, row.counts[0]) for row in report.rows]
    cache.set(key, rows, CACHE_SECONDS)
    return rows


def recipients_panel(user: User) -> dict[str, Any] | None:
    scope = panel_scope(user, "programs.view_recipient_report")
    if scope is None:
        return None
    year = timezone.localdate().year
    rows = recipients_per_programme(year=year, scope=scope)
    chart = bar_chart(
        rows,
        title=gettext("Recipients per programme in %(year)d") % {"year": year},
        unit=gettext("recipients"),
    )
    return {
        "template": "programs/_recipients_panel.html",
        "chart": chart,
        "year": year,
        "agency_only": scope.agency_code is not None,
        "kelurahan_only": scope.kelurahan_codes is not None,
    }
