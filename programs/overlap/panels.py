"""The overlap dashboard panel: open findings per rule, and the inclusion and exclusion
errors, as counts only.

Registered in `depok_kds.dashboard.DASHBOARD_PANELS`. Officers who work findings
(`overlap.view_finding`) see their scope's (agency, kelurahan, or the whole city for
Dinsos); leadership, who may see the report only, sees the city's counts. One query:
`programs.overlap.selectors.finding_counts` (see there for the index serving it).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from depok_kds.charts import bar_chart
from depok_kds.dashboard import panel_scope
from depok_kds.models import User
from programs.overlap.rules import RULES
from programs.overlap.selectors import finding_counts


def findings_panel(user: User) -> dict[str, Any] | None:
    scope = panel_scope(user, "overlap.view_finding", "overlap.view_overlap_report")
    if scope is None:
        return None
    counts = finding_counts(user=user)
    open_rules = sorted(
        (
            (spec.code, str(spec.label or spec.code), counts.open[spec.code])
            for spec in RULES
            if spec.code in counts.open
        ),
        key=lambda rule: -rule[2],  # most first; ties in the rules' order
    )
    chart = bar_chart(
        [(label, n) for _code, label, n in open_rules],
        title=gettext("Open findings per rule"),
        unit=gettext("findings"),
    )
    return {
        "template": "overlap/_findings_panel.html",
        "chart": chart,
        "rules": open_rules,
        "open_total": counts.open_total,
        "inclusion_errors": counts.inclusion_errors,
        "exclusion_errors": counts.exclusion_errors,
        "agency_only": scope.agency_code is not None,
        "kelurahan_only": scope.kelurahan_codes is not None,
    }
