"""The Dukcapil matching dashboard panel: the latest finished run's outcome counts and the
outcomes waiting for review, as counts only.

Registered in `depok_kds.dashboard.DASHBOARD_PANELS`. It only composes the selectors of
`registry.dukcapil.selectors`, so the scope is theirs: Dinsos and the auditor see the whole
city, a Puskesos officer the runs and outcomes of their kelurahan; roles without the
matching permissions (agency officers, leadership) get no panel.

Queries: the latest finished run (`run_list`; the runs table holds a few rows per month);
the run's counts come from the summary stored with it when it finished (`run_summary`,
plus the names of its kelurahan by primary key); the pending outcomes of the run and of the
whole queue are two counts on a partial index WHERE review_status = 'pending', which holds
only the outcomes waiting for a person: `matchoutcome_pending_idx` (outcome, run) for the
city, `matchoutcome_pending_kel_idx` (kelurahan_code, run, ...) for one kelurahan.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from depok_kds.access import scope_for
from depok_kds.charts import bar_chart
from depok_kds.models import User
from registry.dukcapil.selectors import may_act, review_queue, run_list, run_summary


def matching_panel(user: User) -> dict[str, Any] | None:
    if not (may_act(user, "dukcapil.view_matchrun", "dukcapil:read") and scope_for(user).rows):
        return None
    run = (
        run_list(user=user)
        .filter(finished_at__isnull=False)
        .order_by("-finished_at", "-pk")
        .first()
    )
    may_review = may_act(user, "dukcapil.view_matchoutcome", "dukcapil:read")
    panel: dict[str, Any] = {
        "template": "dukcapil/_matching_panel.html",
        "run": run,
        "chart": None,
        "summary": None,
        "queue": review_queue(user=user).count() if may_review else None,
    }
    if run is not None:
        summary = run_summary(user=user, run=run)
        panel["summary"] = summary
        panel["chart"] = bar_chart(
            [(str(label), count) for _code, label, count in summary.outcome_rows() if count],
            title=gettext("Persons per outcome"),
            unit=gettext("persons"),
        )
    return panel
