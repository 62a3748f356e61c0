"""Portal pages of a DTSEN quarter: the impact report (chart, counts per kelurahan, XLSX),
the lists of households behind it and the review of proposed exits (one or many)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from depok_kds.access import scope_for
from depok_kds.charts import BAD, GOOD, WAITING, bar_chart
from depok_kds.forms import refusals_on
from depok_kds.portal import PortalRequest, list_again, next_url, portal_view
from programs.transition.exports import impact_xlsx
from programs.transition.forms import (
    EntryFilterForm,
    ImpactFilterForm,
    ProposalDecisionForm,
    ProposalFilterForm,
)
from programs.transition.models import ProposalStatus
from programs.transition.selectors import (
    exit_proposal_list,
    impact_choices,
    impact_entry_list,
    impact_periods,
    impact_report,
)
from programs.transition.services import (
    exit_proposals_approve,
    exit_proposals_reject,
    programme_decidable,
)
from programs.transition.tasks import impact_start
from registry.selectors import mask_nik

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(
    request: PortalRequest, query: QueryDict | None = None
) -> tuple[ImpactFilterForm, dict[str, Any]]:
    """The chosen quarter, programme and kelurahan (from `query`, else the request's);
    programmes and kelurahan offered are those the reader's scope covers."""
    periods = impact_periods()
    programmes, kelurahan = impact_choices(user=request.user)
    form = ImpactFilterForm(
        (request.GET if query is None else query) or None,
        periods=periods,
        programmes=programmes,
        kelurahan=kelurahan,
    )
    data = form.cleaned_data if form.is_valid() else {}
    return form, {
        "period": data.get("period") or (periods[0] if periods else ""),
        "programme_id": data.get("programme"),
        "kelurahan": data.get("kelurahan", ""),
    }


@require_GET
@portal_view(perm="transition.view_impactentry")
def report_page(request: PortalRequest) -> HttpResponse:
    form, chosen = _filters(request)
    report = impact_report(user=request.user, **chosen) if chosen["period"] else []
    chart = bar_chart(
        [
            (r.programme.name, [r.total.entered, r.total.left, r.total.newly_eligible])
            for r in report
        ],
        title=str(_("Households per programme")),
        series=[str(_("Entered")), str(_("Left")), str(_("Newly eligible"))],
        colours=[GOOD, BAD, WAITING],
    )
    return render(
        request,
        "transition/report.html",
        {
            "form": form,
            "chosen": chosen,
            "report": report,
            "chart": chart,
            "rows_visible": scope_for(request.user).rows,
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@portal_view(perm="transition.view_impactentry")
def report_xlsx(request: PortalRequest) -> HttpResponse:
    _form, chosen = _filters(request)
    if not chosen["period"]:
        raise Http404
    body = impact_xlsx(
        period=chosen["period"],
        report=impact_report(user=request.user, **chosen),
        entries=impact_entry_list(user=request.user, **chosen),
        proposals=exit_proposal_list(user=request.user, **chosen),
    )
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="dampak-dtsen-{chosen["period"]}.xlsx"'
    return response


@require_POST
@portal_view(perm="registry.add_desilrecord")
def impact_recompute(request: PortalRequest) -> HttpResponse:
    """Compute a quarter's impact again (after a correction), as a job with progress."""
    period = request.POST.get("period", "")
    if period not in impact_periods():
        raise Http404
    job = impact_start(actor=request.user, periods=[period], proposed_by=request.user.pk)
    return redirect("jobs:detail", pk=job.pk)


@require_GET
@portal_view(perm="transition.view_exitproposal")  # row-level: not for aggregate readers
def entry_list(request: PortalRequest) -> HttpResponse:
    form, chosen = _filters(request)
    extra = EntryFilterForm(request.GET or None)
    wanted = extra.cleaned_data if extra.is_valid() else {}
    entries = impact_entry_list(
        user=request.user,
        change=wanted.get("change", ""),
        newly_eligible=bool(wanted.get("newly_eligible")),
        **chosen,
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "transition/entry_list.html",
        {"form": form, "extra": extra, "chosen": chosen, "page": page},
    )


@require_GET
@portal_view(perm="transition.view_exitproposal")
def proposal_list(request: PortalRequest) -> HttpResponse:
    return _proposals_page(request, ProposalDecisionForm(auto_id="bulk-%s"), request.GET)


def _proposals_page(
    request: PortalRequest,
    decision: ProposalDecisionForm,
    query: QueryDict,
    again: dict[str, str] | None = None,
) -> HttpResponse:
    """The proposed exits filtered and paged by `query`; a refused decision shows again
    with its note and ticked exits."""
    form, chosen = _filters(request, query)
    extra = ProposalFilterForm(query or None)
    status = extra.cleaned_data.get("status", "") if extra.is_valid() else ""
    proposals = exit_proposal_list(user=request.user, status=status, **chosen)
    page = Paginator(proposals, PAGE_SIZE).get_page(query.get("page"))
    decidable: dict[int, bool] = {}
    for p in page.object_list:
        if p.programme_id not in decidable:
            decidable[p.programme_id] = request.user.has_perm(
                "transition.change_exitproposal"
            ) and programme_decidable(actor=request.user, programme=p.programme)
    rows = [(p, mask_nik(p.person.nik), decidable[p.programme_id]) for p in page.object_list]
    return render(
        request,
        "transition/proposal_list.html",
        {
            "form": form,
            "extra": extra,
            "chosen": chosen,
            "page": page,
            "rows": rows,
            "any_decidable": any(decidable.values()),
            "proposed": ProposalStatus.PROPOSED,
            "decision": decision,
            "ticked": {int(v) for v in request.POST.getlist("proposals") if v.isdigit()},
            **(again or {}),
        },
    )


@require_POST
@portal_view(perm="transition.change_exitproposal")
def proposal_decide(request: PortalRequest) -> HttpResponse:
    form = ProposalDecisionForm(request.POST, auto_id="bulk-%s")
    if form.is_valid():
        data = form.cleaned_data
        with refusals_on(form):
            if data["action"] == "approve":
                done = exit_proposals_approve(
                    actor=request.user, proposal_ids=data["proposals"], note=data["note"]
                )
                text = ngettext(
                    "%(count)d exit approved.", "%(count)d exits approved.", len(done)
                ) % {"count": len(done)}
            else:
                done = exit_proposals_reject(
                    actor=request.user, proposal_ids=data["proposals"], note=data["note"]
                )
                text = ngettext(
                    "%(count)d exit rejected.", "%(count)d exits rejected.", len(done)
                ) % {"count": len(done)}
            messages.success(request, text)
            return redirect(next_url(request, "transition:exits"))
    return _proposals_page(request, form, *list_again(request, "transition:exits"))
