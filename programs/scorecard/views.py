"""Portal pages of the data-quality scorecard: the latest counts per kelurahan, a measure's
trend and ranking, the drill-down list a Puskesos officer works through, and counting now."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from depok_kds.charts import bar_chart
from depok_kds.formatting import long_date
from depok_kds.portal import PortalRequest, portal_view
from programs.scorecard.measures import MEASURES, MEASURES_BY_CODE, Measure
from programs.scorecard.selectors import (
    countable_kelurahan,
    may_list,
    scorecard_items,
    scorecard_ranking,
    scorecard_table,
    scorecard_trend,
)
from programs.scorecard.tasks import scorecard_snapshot_start

VIEW = "scorecard.view_scorecardcount"


def _measure(code: str) -> Measure:
    measure = MEASURES_BY_CODE.get(code)
    if measure is None:
        raise Http404
    return measure


@require_GET
@portal_view(perm=VIEW)
def scorecard_index(request: PortalRequest) -> HttpResponse:
    on, rows = scorecard_table(user=request.user)
    return render(
        request,
        "scorecard/index.html",
        {
            "on": on,
            "total": rows[0] if rows else None,
            "rows": rows[1:],
            "measures": MEASURES,
            "may_list": may_list(request.user)
            and request.user.has_perm("scorecard.view_scorecard_list"),
            "may_run": request.user.has_perm("scorecard.run_scorecard"),
        },
    )


@require_GET
@portal_view(perm=VIEW)
def scorecard_measure(request: PortalRequest, measure: str) -> HttpResponse:
    """A measure's trend (the city, or one kelurahan the user may count) and its ranking."""
    spec = _measure(measure)
    kelurahan_choices = list(countable_kelurahan(user=request.user))
    kelurahan = request.GET.get("kelurahan", "")
    if kelurahan and kelurahan not in {k.code for k in kelurahan_choices}:
        raise Http404
    trend = scorecard_trend(user=request.user, measure=measure, kelurahan=kelurahan)
    chart = bar_chart(
        [(long_date(on), count) for on, count, _base in trend],
        title=str(_("Trend per night")),
    )
    ranking = scorecard_ranking(user=request.user, measure=measure)
    ranking_chart = bar_chart(
        [(name, share) for _code, name, _count, share in ranking],
        title=str(_("Kelurahan by share, worst first")),
        unit="%",
    )
    return render(
        request,
        "scorecard/measure.html",
        {
            "measure": spec,
            "kelurahan": kelurahan,
            "kelurahan_choices": kelurahan_choices,
            "trend": trend,
            "chart": chart,
            "ranking": ranking,
            "ranking_chart": ranking_chart,
        },
    )


@require_GET
@portal_view(perm="scorecard.view_scorecard_list")
def scorecard_list(request: PortalRequest, measure: str, kelurahan: str) -> HttpResponse:
    spec = _measure(measure)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    items, more = scorecard_items(
        user=request.user, measure=measure, kelurahan=kelurahan, page=page
    )
    return render(
        request,
        "scorecard/list.html",
        {
            "measure": spec,
            "kelurahan": kelurahan,
            "items": items,
            "page": page,
            "more": more,
        },
    )


@require_POST
@portal_view(perm="scorecard.run_scorecard")
def scorecard_run(request: PortalRequest) -> HttpResponse:
    job = scorecard_snapshot_start(actor=request.user)
    return redirect("jobs:detail", pk=job.pk)
