"""Portal pages: the findings list and detail (confirm / dismiss), starting a detection
run, national list imports, the inclusion/exclusion report, the benefit ledger, and the
configuration (household cap, exclusive programme pairs) for the Dinsos administrator."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from depok_kds.access import scope_for
from depok_kds.charts import bar_chart
from depok_kds.forms import refusals_on
from depok_kds.portal import PortalRequest, portal_view
from programs.overlap import exports
from programs.overlap.forms import (
    DecisionForm,
    DetectionForm,
    ExclusivePairForm,
    FindingFilterForm,
    HouseholdCapForm,
    LedgerFilterForm,
    NationalListForm,
    ReportFilterForm,
)
from programs.overlap.models import NationalList
from programs.overlap.selectors import (
    LedgerRow,
    TargetingReport,
    benefit_ledger,
    finding_get,
    finding_list,
    overlap_configuration,
    targeting_report,
)
from programs.overlap.services import (
    exclusive_pair_add,
    exclusive_pair_remove,
    finding_confirm,
    finding_dismiss,
    household_cap_set,
    national_list_import,
)
from programs.overlap.tasks import overlap_detect_start
from programs.selectors import programme_get, programme_list
from registry.selectors import (
    household_get,
    household_get_by_number,
    household_numbers,
    kelurahan_list,
)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@portal_view(perm="overlap.view_finding")
def finding_index(request: PortalRequest) -> HttpResponse:
    return _findings_page(request)


def _findings_page(
    request: PortalRequest, detection_form: DetectionForm | None = None
) -> HttpResponse:
    """The findings; a refused detection run shows its form again with what was typed."""
    form = FindingFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    findings = finding_list(
        user=request.user,
        rule=filters.get("rule", ""),
        status=filters.get("status", "") if form.is_bound else "open",
        kelurahan=filters.get("kelurahan", ""),
    )
    page = Paginator(findings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "overlap/finding_list.html",
        {
            "form": form,
            "page": page,
            "programmes": programme_list(user=request.user),
            "detection_form": detection_form or DetectionForm(),
        },
    )


@portal_view(perm="overlap.view_finding")
def finding_detail(request: PortalRequest, pk: int) -> HttpResponse:
    finding = finding_get(user=request.user, finding_id=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("overlap.decide_finding"):
            raise PermissionDenied
        if form.is_valid():
            action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
            with refusals_on(form, "reason"):
                if action == "confirm":
                    finding_confirm(actor=request.user, finding_id=finding.pk, reason=reason)
                else:
                    finding_dismiss(actor=request.user, finding_id=finding.pk, reason=reason)
                messages.success(request, _("The finding was updated."))
                return redirect("overlap:finding", pk=finding.pk)
    return render(
        request,
        "overlap/finding_detail.html",
        {"finding": finding, "events": finding.events.select_related("actor"), "form": form},
    )


@require_POST
@portal_view(perm="overlap.run_overlap_detection")
def detection_start(request: PortalRequest) -> HttpResponse:
    """City-wide for Dinsos; an agency officer runs it for one of their programmes."""
    form = DetectionForm(request.POST)
    if not form.is_valid():
        return _findings_page(request, form)
    programme_id = form.cleaned_data["programme"]
    programme = None
    if programme_id:
        programme = programme_get(user=request.user, programme_id=programme_id)
    elif not scope_for(request.user).city_wide:
        raise PermissionDenied
    with refusals_on(form):
        job = overlap_detect_start(
            actor=request.user,
            programme=programme,
            year=form.cleaned_data["year"] or timezone.localdate().year,
        )
        return redirect("jobs:detail", pk=job.pk)
    return _findings_page(request, form)


@portal_view(perm="overlap.add_nationallist")
def national_lists(request: PortalRequest) -> HttpResponse:
    form = NationalListForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with refusals_on(form, "file"):
            national_list, errors = national_list_import(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                year=form.cleaned_data["year"],
                file_name=upload.name,
                content=upload.read(),
            )
            messages.success(
                request,
                _("%(rows)s rows imported, %(errors)s refused.")
                % {"rows": national_list.row_count, "errors": len(errors)},
            )
            return redirect("overlap:lists")
    return render(
        request,
        "overlap/national_lists.html",
        {"form": form, "lists": NationalList.objects.all()},
    )


def _report(request: PortalRequest) -> tuple[ReportFilterForm, TargetingReport]:
    form = ReportFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    report = targeting_report(
        kecamatan=filters.get("kecamatan") or "", year=filters.get("year") or None
    )
    return form, report


@require_GET
@portal_view(perm="overlap.view_overlap_report")
def report_page(request: PortalRequest) -> HttpResponse:
    form, report = _report(request)
    return render(
        request,
        "overlap/report.html",
        {
            "form": form,
            "report": report,
            "programme_chart": bar_chart(
                [(name, n) for name, n in report.by_programme],
                title=str(_("Inclusion errors per programme")),
            ),
            "area_chart": bar_chart(
                [(code, exc) for code, _inc, exc in report.by_area],
                title=str(_("Exclusion errors per area")),
            ),
        },
    )


@require_GET
@portal_view(perm="overlap.view_overlap_report")
def report_xlsx(request: PortalRequest) -> HttpResponse:
    _form, report = _report(request)
    response = HttpResponse(exports.targeting_xlsx(report), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="inklusi-eksklusi.xlsx"'
    return response


def _ledger(request: PortalRequest) -> tuple[LedgerFilterForm, list[LedgerRow]]:
    form = LedgerFilterForm(request.GET or None, kelurahan=kelurahan_list(user=request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    household_id = None
    if typed := (filters.get("household") or "").strip():
        # The registry number people see; the bare id of older links still works.
        household = (
            household_get(user=request.user, household_id=int(typed))
            if typed.isdigit()
            else household_get_by_number(user=request.user, registry_number=typed)
        )
        household_id = household.pk
    if not (household_id or filters.get("kelurahan")):
        return form, []
    rows = benefit_ledger(
        user=request.user,
        household_id=household_id,
        kelurahan=filters.get("kelurahan") or "",
        year=filters.get("year"),
    )
    return form, rows


@require_GET
@portal_view(perm="programs.view_enrolment")
def ledger_page(request: PortalRequest) -> HttpResponse:
    form, rows = _ledger(request)
    rows = rows[:2000]
    numbers = household_numbers(ids={r.household_id for r in rows if r.household_id})
    shown = [(r, numbers.get(r.household_id or 0, "")) for r in rows]
    return render(request, "overlap/ledger.html", {"form": form, "rows": shown})


@require_GET
@portal_view(perm="programs.view_enrolment")
def ledger_xlsx(request: PortalRequest) -> HttpResponse:
    _form, rows = _ledger(request)
    response = HttpResponse(exports.ledger_xlsx(rows), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="buku-besar-manfaat.xlsx"'
    return response


# --- configuration -------------------------------------------------------------------------


@require_GET
@portal_view(perm="overlap.change_overlapsettings")
def configuration(request: PortalRequest) -> HttpResponse:
    return _configuration_page(request)


def _configuration_page(
    request: PortalRequest,
    *,
    cap_form: HouseholdCapForm | None = None,
    pair_form: ExclusivePairForm | None = None,
) -> HttpResponse:
    """The overlap settings; a refused cap or pair shows again with what was typed."""
    config = overlap_configuration()
    return render(
        request,
        "overlap/configuration.html",
        {
            "config": config,
            "cap_form": cap_form
            or HouseholdCapForm(initial={"household_year_cap": config.household_cap}),
            "pair_form": pair_form
            or ExclusivePairForm(programmes=programme_list(user=request.user)),
        },
    )


@require_POST
@portal_view(perm="overlap.change_overlapsettings")
def cap_set(request: PortalRequest) -> HttpResponse:
    form = HouseholdCapForm(request.POST)
    if form.is_valid():
        with refusals_on(form, "household_year_cap"):
            household_cap_set(actor=request.user, amount=form.cleaned_data["household_year_cap"])
            messages.success(request, _("The household cap was saved."))
            return redirect("overlap:configuration")
    return _configuration_page(request, cap_form=form)


@require_POST
@portal_view(perm="overlap.add_exclusivepair")
def pair_add(request: PortalRequest) -> HttpResponse:
    form = ExclusivePairForm(request.POST, programmes=programme_list(user=request.user))
    if form.is_valid():
        with refusals_on(form):
            exclusive_pair_add(
                actor=request.user,
                programme_id=form.cleaned_data["programme"].pk,
                other_programme_id=form.cleaned_data["other_programme"].pk,
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("The programmes now exclude each other."))
            return redirect("overlap:configuration")
    return _configuration_page(request, pair_form=form)


@require_POST
@portal_view(perm="overlap.delete_exclusivepair")
def pair_remove(request: PortalRequest, pk: int) -> HttpResponse:
    exclusive_pair_remove(actor=request.user, pair_id=pk)
    messages.success(
        request, _("The pair was removed; the next detection run closes its findings.")
    )
    return redirect("overlap:configuration")
