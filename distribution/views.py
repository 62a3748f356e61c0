"""Portal pages of distribution: batches and their actions, files, reconciliation, the
outlet officer's hand-over page, and the budget-versus-realisation report."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from depok_kds.charts import bar_chart
from depok_kds.forms import refusals_on
from depok_kds.portal import PortalRequest, portal_view
from distribution import selectors, services
from distribution.forms import (
    BatchForm,
    HandoverForm,
    LpjForm,
    PayInPersonForm,
    ReissueForm,
    ReportForm,
    ReturnFileForm,
)
from distribution.models import Batch, BatchState, Channel, Line, LineState
from distribution.report import realisation, realisation_xlsx
from programs.models import Cycle
from programs.selectors import programme_list
from programs.transition.models import PERIOD_FORMAT
from registry.selectors import mask_nik

PAGE_SIZE = 50
PERIOD = re.compile(PERIOD_FORMAT)
ACTIONS: dict[str, Callable[..., object]] = {
    "build": services.batch_build_start,
    "approve": services.batch_approve,
    "send": services.batch_send,
    "settle": services.batch_settle,
    "close": services.batch_close,
    "transmit": services.batch_transmit,
    "fetch-returns": services.batch_fetch_returns,
}


@portal_view(perm="distribution.view_batch")
def batch_index(request: PortalRequest) -> HttpResponse:
    user = request.user
    cycles = Cycle.objects.filter(
        programme__in=programme_list(user=user), status=Cycle.Status.OPEN
    ).select_related("programme")
    form = BatchForm(request.POST or None, cycles=cycles)
    if request.method == "POST":
        if not user.has_perm("distribution.prepare_batch"):
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            with refusals_on(form):
                batch = services.batch_create(
                    actor=user,
                    cycle_id=data["cycle"].pk,
                    tahap=data["tahap"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    planned_on=data["planned_on"],
                )
                return redirect("distribution:batch", batch.pk)
    batches = list(selectors.batch_list(user=user)[:200])
    rows = [(batch, selectors.batch_totals(batch)) for batch in batches]
    return render(request, "distribution/batch_list.html", {"rows": rows, "form": form})


@portal_view(perm="distribution.view_batch")
def batch_detail(request: PortalRequest, pk: int) -> HttpResponse:
    return _batch_page(request, selectors.batch_get(user=request.user, batch_id=pk))


def _batch_page(
    request: PortalRequest,
    batch: Batch,
    *,
    return_form: ReturnFileForm | None = None,
    line_form: tuple[Line, ReissueForm | LpjForm] | None = None,
) -> HttpResponse:
    """The batch's page; a refused return file, re-issue or LPJ shows again with what was
    typed, the line's form on the page of lines that holds it."""
    user = request.user
    lines = selectors.line_list(user=user, batch=batch).order_by("pk")
    state = request.GET.get("state", "")
    if state in LineState.values:
        lines = lines.filter(state=state)
    number = request.GET.get("page")
    if line_form is not None:
        number = str(lines.filter(pk__lt=line_form[0].pk).count() // PAGE_SIZE + 1)
    page = Paginator(lines, PAGE_SIZE).get_page(number)
    rows = [(line, mask_nik(line.person.nik)) for line in page]
    job = batch.build_job
    return render(
        request,
        "distribution/batch_detail.html",
        {
            "batch": batch,
            "totals": selectors.batch_totals(batch),
            "page_obj": page,
            "rows": rows,
            "job": job,
            "refusals": batch.refusals.select_related("enrolment__person")[:200],
            "refusal_count": batch.refusals.count(),
            "return_files": batch.return_files.defer("content")[:20],
            "return_form": return_form or ReturnFileForm(),
            "refused_line": line_form[0].pk if line_form else None,
            "line_form": line_form[1] if line_form else None,
            "states": LineState.choices,
            "state": state,
            "reviewing": batch.state == BatchState.DRAFT and batch.prepared_by_id != user.pk,
        },
    )


@require_POST
@portal_view(perm="distribution.view_batch")
def batch_act(request: PortalRequest, pk: int, action: str) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, batch_id=pk)
    if action not in ACTIONS:
        raise Http404
    ACTIONS[action](actor=request.user, batch_id=batch.pk)
    messages.success(request, gettext("Done."))
    return redirect("distribution:batch", batch.pk)


@require_GET
@portal_view(perm="distribution.prepare_batch")
def batch_file(request: PortalRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, batch_id=pk)
    name, content = services.batch_export(actor=request.user, batch_id=batch.pk)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@portal_view(perm="distribution.prepare_batch")
def batch_deactivation_file(request: PortalRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, batch_id=pk)
    name, content = services.batch_deactivations(actor=request.user, batch_id=batch.pk)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@portal_view(perm="distribution.prepare_batch")
def bpjs_quarter_file(
    request: PortalRequest, programme: int, period: str, which: str
) -> HttpResponse:
    """A DTSEN quarter's BPJS deactivation or activation list (see `bpjs_quarter_list`)."""
    if not PERIOD.match(period):
        raise Http404
    name, content = services.bpjs_quarter_list(
        actor=request.user, programme_id=programme, period=period, which=which
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@portal_view(perm="distribution.reconcile_batch")
def return_upload(request: PortalRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, batch_id=pk)
    form = ReturnFileForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        with refusals_on(form, "file"):
            services.return_file_upload(
                actor=request.user,
                batch_id=batch.pk,
                file_name=upload.name or "",
                content=upload.read(),
            )
            return redirect("distribution:batch", batch.pk)
    return _batch_page(request, batch, return_form=form)


@require_POST
@portal_view(perm="distribution.reconcile_batch")
def return_apply(request: PortalRequest, pk: int, file_id: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, batch_id=pk)
    upload = batch.return_files.filter(pk=file_id).first()
    if upload is None:
        raise Http404
    applied = services.return_file_apply(actor=request.user, return_file_id=upload.pk)
    messages.success(
        request, gettext("%(count)s lines changed.") % {"count": applied.lines_changed}
    )
    return redirect("distribution:batch", batch.pk)


@require_POST
@portal_view(perm="distribution.prepare_batch")
def line_reissue(request: PortalRequest, pk: int) -> HttpResponse:
    line = selectors.line_get(user=request.user, line_id=pk)
    form = ReissueForm(request.POST, batches=selectors.batch_list(user=request.user))
    if form.is_valid():
        target = form.cleaned_data["batch"]
        with refusals_on(form, "batch"):
            services.line_reissue(actor=request.user, line_id=line.pk, batch_id=target.pk)
            messages.success(request, gettext("The line was re-issued."))
            return redirect("distribution:batch", target.pk)
    return _batch_page(request, line.batch, line_form=(line, form))


@portal_view(perm="distribution.reconcile_batch")
def line_pay(request: PortalRequest, pk: int) -> HttpResponse:
    """The counter: a death benefit paid to the heir in person."""
    line = selectors.line_get(user=request.user, line_id=pk)
    form = PayInPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_on(form):
            services.in_person_pay(
                actor=request.user, line_id=line.pk, receiver_nik=form.cleaned_data["receiver_nik"]
            )
            messages.success(request, gettext("Paid."))
            return redirect("distribution:batch", line.batch_id)
    return render(request, "distribution/line_pay.html", {"line": line, "form": form})


@portal_view(perm="distribution.record_handover")
def handover_list(request: PortalRequest) -> HttpResponse:
    """The outlet officer's list: packages waiting in their kelurahan, found by name or ref."""
    query = request.GET.get("q", "").strip()
    lines = selectors.line_list(user=request.user).filter(
        batch__channel=Channel.IN_KIND, batch__state=BatchState.SENT, state=LineState.PENDING
    )
    if query:
        lines = lines.filter(person__name_normalized__icontains=query.lower()) | lines.filter(
            reference=query
        )
    rows = list(lines.select_related("outlet").order_by("outlet__name", "person__full_name")[:100])
    return render(request, "distribution/handover_list.html", {"lines": rows, "q": query})


@portal_view(perm="distribution.record_handover")
def handover_new(request: PortalRequest, pk: int) -> HttpResponse:
    line = selectors.line_get(user=request.user, line_id=pk)
    form = HandoverForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        evidence = form.cleaned_data["evidence"]
        with refusals_on(form):
            services.handover_record(
                actor=request.user,
                line_id=line.pk,
                receiver_nik=form.cleaned_data["receiver_nik"],
                evidence=evidence.read(),
                evidence_name=evidence.name or "",
                on=timezone.localdate(),
            )
            messages.success(request, gettext("The hand-over is recorded."))
            return redirect("distribution:handovers")
    return render(
        request,
        "distribution/handover_new.html",
        {"line": line, "form": form, "nik": mask_nik(line.person.nik)},
    )


@require_POST
@portal_view(perm="distribution.reconcile_batch")
def lpj_new(request: PortalRequest, pk: int) -> HttpResponse:
    """The LPJ of an enrolment, uploaded from its report line (`pk` is the line's)."""
    line = selectors.line_get(user=request.user, line_id=pk)
    form = LpjForm(request.POST, request.FILES)
    if form.is_valid():
        document = form.cleaned_data["document"]
        with refusals_on(form, "document"):
            services.lpj_upload(
                actor=request.user,
                enrolment_id=line.enrolment_id,
                content=document.read(),
                name=document.name or "",
            )
            messages.success(request, gettext("The LPJ is recorded."))
            return redirect("distribution:batch", line.batch_id)
    return _batch_page(request, line.batch, line_form=(line, form))


def _report(request: PortalRequest) -> tuple[list, ReportForm, int, str]:  # type: ignore[type-arg]
    form = ReportForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or timezone.localdate().year
    group = data.get("group") or "programme"
    return realisation(user=request.user, year=year, group=group), form, year, group


@require_GET
@portal_view(perm="distribution.view_disbursement_report")
def report_page(request: PortalRequest) -> HttpResponse:
    rows, form, year, group = _report(request)
    chart = bar_chart(
        [(f"{r.programme} {r.group}".strip(), [float(r.planned), float(r.paid)]) for r in rows],
        title=gettext("Planned and paid (Rp)"),
        series=[gettext("Planned"), gettext("Paid")],
    )
    return render(
        request,
        "distribution/report.html",
        {"rows": rows, "form": form, "chart": chart, "year": year, "group": group},
    )


@require_GET
@portal_view(perm="distribution.view_disbursement_report")
def report_xlsx(request: PortalRequest) -> HttpResponse:
    rows, _form, year, group = _report(request)
    response = HttpResponse(
        realisation_xlsx(rows, year=year, group=group),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="realisasi-anggaran-{year}.xlsx"'
    return response
