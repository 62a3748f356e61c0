"""Portal pages of the programmes: setup (cycles), the applications pipeline, decisions,
enrolment, SK decree exports, recipient imports and the recipients report."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from depok_kds.access import scope_for
from depok_kds.audit import pii_shown
from depok_kds.charts import bar_chart
from depok_kds.forms import refusals_on
from depok_kds.models import User
from depok_kds.portal import PortalRequest, portal_view
from programs import (
    exports,
    tasks,  # noqa: F401 - registers the import job
)
from programs.forms import (
    ApplicantForm,
    CycleForm,
    DecisionForm,
    DecreeForm,
    ExitForm,
    ImportForm,
    ReportFilterForm,
)
from programs.imports import recipient_import_commit, recipient_import_start
from programs.kinds import kind_for
from programs.models import Application, Cycle, Enrolment
from programs.report import RecipientReport, recipient_report, report_years
from programs.selectors import (
    application_get,
    application_list,
    cycle_get,
    decree_get,
    enrolment_list,
    programme_get,
    programme_list,
    recipient_import_get,
    recipient_import_pending,
)
from programs.services import (
    application_approve,
    application_enrol,
    application_reject,
    application_submit,
    application_verification_start,
    cycle_open,
    decree_fix,
    enrolment_exit,
    slots_taken,
)
from registry.models import Kelurahan
from registry.selectors import mask_nik, person_find_by_nik, person_in_scope

PAGE_SIZE = 50
SMALL_CHART_LABEL = 48  # room for a year beside each bar


@require_GET
@portal_view(perm="programs.view_programme")
def programme_index(request: PortalRequest) -> HttpResponse:
    return render(
        request, "programs/programme_list.html", {"programmes": programme_list(user=request.user)}
    )


@portal_view(perm="programs.view_programme")
def programme_detail(request: PortalRequest, pk: int) -> HttpResponse:
    programme = programme_get(user=request.user, programme_id=pk)
    form = CycleForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("programs.add_cycle"):
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            with refusals_on(form):
                cycle = cycle_open(
                    actor=request.user,
                    programme_id=programme.pk,
                    year=data["year"],
                    tahap=data["tahap"] or 0,
                    quota=data["quota"],
                    budget=data["budget"] or Decimal(0),
                    amount=data["amount"],
                )
                return redirect("programs:cycle", pk=cycle.pk)
    cycles = programme.cycles.order_by("-year", "-tahap")
    return render(
        request,
        "programs/programme_detail.html",
        {"programme": programme, "cycles": cycles, "form": form},
    )


@require_GET
@portal_view(perm="programs.view_application")
def cycle_detail(request: PortalRequest, pk: int) -> HttpResponse:
    return _cycle_page(request, cycle_get(user=request.user, cycle_id=pk))


def _cycle_page(
    request: PortalRequest,
    cycle: Cycle,
    *,
    decree_form: DecreeForm | None = None,
    import_form: ImportForm | None = None,
) -> HttpResponse:
    """The cycle's page; a refused decree or import shows again with what was typed."""
    state = request.GET.get("state", "")
    applications = application_list(user=request.user, cycle_id=cycle.pk, state=state)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(a, mask_nik(a.person.nik)) for a in page.object_list]
    context = {
        "cycle": cycle,
        "page": page,
        "rows": rows,
        "state": state,
        "states": Application.State.choices,
        "taken": slots_taken(cycle),
        "decrees": cycle.decrees.all(),
        "decree_form": decree_form or DecreeForm(),
        "import_form": import_form or ImportForm(),
        "pending_imports": recipient_import_pending(user=request.user, cycle=cycle),
        "enrolled": enrolment_list(user=request.user, cycle_id=cycle.pk).count(),
        "historical": enrolment_list(user=request.user, cycle_id=cycle.pk)
        .filter(source=Enrolment.Source.HISTORICAL)
        .count(),
    }
    return render(request, "programs/cycle_detail.html", context)


def _proposed(request: PortalRequest) -> dict[str, str]:
    """The form's start: the channel the officer works through, and the NIK when they came
    from a household page (`?person=`)."""
    scope = scope_for(request.user)
    initial: dict[str, str] = {}
    if scope.kelurahan_codes is not None:
        initial["channel"] = Application.Channel.PUSKESOS
    elif scope.agency_code is not None:
        initial["channel"] = Application.Channel.AGENCY
    person_id = request.GET.get("person", "")
    if person_id.isdigit():
        person = person_in_scope(user=request.user, person_id=int(person_id))
        if person is not None:
            initial["nik"] = person.nik or ""
    return initial


@portal_view(perm="programs.add_application")
def application_new(request: PortalRequest, pk: int) -> HttpResponse:
    cycle = cycle_get(user=request.user, cycle_id=pk)
    kind = kind_for(cycle.programme.kind)
    form = ApplicantForm(request.POST or None, initial=_proposed(request))
    detail_form = kind.detail_form(request.POST or None, prefix="detail")
    if request.method == "POST" and form.is_valid() and detail_form.is_valid():
        person = person_find_by_nik(user=request.user, nik=form.cleaned_data["nik"])
        if person is None:
            form.add_error("nik", _("No one with this NIK is in the registry of your area."))
        else:
            with refusals_on(form):
                application = application_submit(
                    actor=request.user,
                    cycle_id=cycle.pk,
                    person_id=person.pk,
                    channel=form.cleaned_data["channel"],
                    detail=detail_form.cleaned_data,
                    amount=form.cleaned_data["amount"],
                )
                messages.success(request, _("The application was submitted."))
                return redirect("programs:application", pk=application.pk)
    return render(
        request,
        "programs/application_new.html",
        {"cycle": cycle, "form": form, "detail_form": detail_form},
    )


@require_GET
@portal_view(perm="programs.view_application")
def application_detail(request: PortalRequest, pk: int) -> HttpResponse:
    return _application_page(request, application_get(user=request.user, application_id=pk))


def _application_page(
    request: PortalRequest,
    application: Application,
    *,
    decision_form: DecisionForm | None = None,
    exit_form: ExitForm | None = None,
) -> HttpResponse:
    """The application's page; a refused decision or exit shows again with what was typed."""
    results = [(r, r.text()) for r in application.eligibility_results.all()]
    enrolment = Enrolment.objects.filter(application=application).first()
    context = {
        "application": application,
        "nik": mask_nik(application.person.nik),
        "results": results,
        "events": application.events.select_related("actor"),
        "details": kind_for(application.programme.kind).detail_rows(application),
        "decision_form": decision_form or DecisionForm(),
        "exit_form": exit_form or ExitForm(),
        "enrolment": enrolment,
    }
    return render(request, "programs/application_detail.html", context)


ACTIONS = ("verify", "approve", "reject", "enrol")


def _act(user: User, application_id: int, action: str, reason: str) -> None:
    if action == "verify":
        application_verification_start(actor=user, application_id=application_id, reason=reason)
    elif action == "approve":
        application_approve(actor=user, application_id=application_id, reason=reason)
    elif action == "reject":
        application_reject(actor=user, application_id=application_id, reason=reason)
    else:
        application_enrol(actor=user, application_id=application_id)


@require_POST
@portal_view(perm="programs.decide_application")
def application_act(request: PortalRequest, pk: int, action: str) -> HttpResponse:
    application = application_get(user=request.user, application_id=pk)
    if action not in ACTIONS:
        raise Http404
    form = DecisionForm(request.POST)
    if form.is_valid():
        with refusals_on(form, "reason"):
            _act(request.user, application.pk, action, form.cleaned_data["reason"])
            return redirect("programs:application", pk=application.pk)
    return _application_page(request, application, decision_form=form)


@require_http_methods(["GET", "POST"])
@portal_view(perm="programs.decide_application")
def enrolment_end(request: PortalRequest, pk: int) -> HttpResponse:
    """End an enrolment. One with an application ends from the application's page; one
    without (an imported recipient) has this page, and a refusal shows either again with
    the reason chosen."""
    enrolment = enrolment_list(user=request.user).filter(pk=pk).first()
    if enrolment is None:
        raise Http404
    form = ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_on(form, "reason"):
            enrolment_exit(
                actor=request.user, enrolment_id=enrolment.pk, reason=form.cleaned_data["reason"]
            )
            if enrolment.application_id:
                return redirect("programs:application", pk=enrolment.application_id)
            return redirect("programs:cycle", pk=enrolment.cycle_id)
    if enrolment.application_id is None:
        return render(
            request, "programs/enrolment_exit.html", {"enrolment": enrolment, "form": form}
        )
    if request.method == "GET":
        return redirect("programs:application", pk=enrolment.application_id)
    application = application_get(user=request.user, application_id=enrolment.application_id)
    return _application_page(request, application, exit_form=form)


@require_POST
@portal_view(perm="programs.add_decree")
def decree_new(request: PortalRequest, pk: int) -> HttpResponse:
    cycle = cycle_get(user=request.user, cycle_id=pk)
    form = DecreeForm(request.POST)
    if form.is_valid():
        with refusals_on(form):
            decree_fix(
                actor=request.user,
                cycle_id=cycle.pk,
                number=form.cleaned_data["number"],
                decreed_on=form.cleaned_data["decreed_on"],
            )
            return redirect("programs:cycle", pk=cycle.pk)
    return _cycle_page(request, cycle, decree_form=form)


@require_GET
@portal_view(perm="programs.view_decree")
def decree_export(request: PortalRequest, pk: int, fmt: str) -> HttpResponse:
    decree = decree_get(user=request.user, decree_id=pk)
    full = pii_shown(
        request.user,
        export=True,
        target_type="programs.decree",
        target_ids=[decree.pk],
        count=decree.entries.count(),
    )
    if fmt == "pdf":
        body, content_type = exports.decree_pdf(decree, full_nik=full), "application/pdf"
    elif fmt == "xlsx":
        body = exports.decree_xlsx(decree, full_nik=full)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    safe = "".join(c if c.isalnum() else "-" for c in decree.number)
    response["Content-Disposition"] = f'attachment; filename="SK-{safe}.{fmt}"'
    return response


@require_POST
@portal_view(perm="programs.add_recipientimport")
def import_new(request: PortalRequest, pk: int) -> HttpResponse:
    cycle = cycle_get(user=request.user, cycle_id=pk)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        with refusals_on(form, "file"):
            job = recipient_import_start(
                actor=request.user,
                cycle_id=cycle.pk,
                file_name=upload.name,
                content=upload.read(),
                commit=form.cleaned_data["commit"],
                historical=form.cleaned_data["historical"],
            )
            return redirect("jobs:detail", pk=job.pk)
    return _cycle_page(request, cycle, import_form=form)


@require_POST
@portal_view(perm="programs.add_recipientimport")
def import_commit(request: PortalRequest, pk: int) -> HttpResponse:
    upload = recipient_import_get(user=request.user, import_id=pk)
    job = recipient_import_commit(actor=request.user, import_id=upload.pk)
    return redirect("jobs:detail", pk=job.pk)


def _report(request: PortalRequest) -> tuple[RecipientReport, ReportFilterForm]:
    years, default_years = report_years(today=timezone.localdate())
    form = ReportFilterForm(
        request.GET or None,
        kelurahan=Kelurahan.objects.select_related("kecamatan").order_by("name"),
        years=years,
        default_years=default_years,
    )
    data = form.cleaned_data if form.is_valid() else {}
    report = recipient_report(
        years=data.get("years") or default_years,
        kecamatan=data.get("kecamatan", ""),
        kelurahan=data.get("kelurahan", ""),
    )
    return report, form


@require_GET
@portal_view(perm="programs.view_recipient_report")
def report_page(request: PortalRequest) -> HttpResponse:
    report, form = _report(request)
    latest = len(report.years) - 1
    # One small chart per programme, its years against its own largest figure: in one
    # shared scale the biggest programme would flatten every other one to nothing.
    charts = [
        bar_chart(
            [(str(y), float(c)) for y, c in zip(report.years, r.counts, strict=True)],
            title=f"{r.programme.name} · {r.agency}",
            label_width=SMALL_CHART_LABEL,
        )
        for r in report.rows
    ]
    totals = [report.total(i) for i in range(len(report.years))]
    return render(
        request,
        "programs/report.html",
        {"report": report, "form": form, "charts": charts, "totals": totals, "latest": latest},
    )


@require_GET
@portal_view(perm="programs.view_recipient_report")
def report_xlsx(request: PortalRequest) -> HttpResponse:
    report, _form = _report(request)
    response = HttpResponse(
        exports.report_xlsx(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="realisasi-penerima-manfaat.xlsx"'
    return response
