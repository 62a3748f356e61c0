"""Portal pages of verification: the work queues, an application's checks, field visits
(phone-sized form), evidence files, the resolution queue, verivali rounds, oversight."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from depok_kds.access import scope_for
from depok_kds.charts import BAD, GOOD, NEUTRAL, WAITING, bar_chart
from depok_kds.errors import DomainError, Forbidden
from depok_kds.forms import refusals_on
from depok_kds.portal import PortalRequest, portal_view
from programs.kinds import kind_for
from programs.models import Application, ApplicationState
from registry.selectors import household_members, mask_nik, ruleset_active, ruleset_rules
from verification import reports
from verification.forms import (
    EvidenceForm,
    ResolveForm,
    TechnicalVerdictForm,
    VerdictForm,
    VerivaliForm,
    VisitAssignForm,
    VisitForm,
    finding_lines,
)
from verification.models import Check, CheckKind, FieldVisit, VerivaliRound
from verification.selectors import (
    CheckView,
    application_verification_get,
    assignable_officers,
    check_get,
    check_queue,
    checks_for,
    evidence_get,
    policy_for,
    resolution_get,
    resolution_queue,
    visit_get,
    visit_list,
)
from verification.services import (
    checks_open,
    disagreement_resolve,
    evidence_allowed,
    evidence_upload,
    identity_refresh,
    verdict_allowed,
    verdict_record,
    verivali_start,
    visit_assign,
    visit_complete,
)
from verification.services.visits import evidence_dir
from verification.tasks_inbox import inbox_context, task_inbox

PAGE_SIZE = 50
# Approved and enrolled read green, rejected red, waiting amber, whatever the order.
STAGE_COLOURS: dict[str, str] = {
    ApplicationState.SUBMITTED: NEUTRAL,
    ApplicationState.IN_VERIFICATION: WAITING,
    ApplicationState.APPROVED: GOOD,
    ApplicationState.REJECTED: BAD,
    ApplicationState.ENROLLED: "#0b6e4f",
}


@contextmanager
def forbidden_as_403() -> Iterator[None]:
    """A verdict or act by the wrong agency or kelurahan answers a real 403."""
    try:
        yield
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc


@require_GET
@portal_view()
def my_tasks(request: PortalRequest) -> HttpResponse:
    return render(request, "verification/tasks.html", inbox_context(task_inbox(user=request.user)))


@require_GET
@portal_view(perm="verification.view_check")
def index(request: PortalRequest) -> HttpResponse:
    context = {
        "checks": check_queue(user=request.user)[:PAGE_SIZE],
        "visits": visit_list(user=request.user, status=FieldVisit.Status.ASSIGNED)[:PAGE_SIZE]
        if request.user.has_perm("verification.view_fieldvisit")
        else [],
        "resolutions": resolution_queue(user=request.user)[:PAGE_SIZE]
        if request.user.has_perm("verification.resolve_disagreement")
        else [],
    }
    return render(request, "verification/index.html", context)


@dataclass(frozen=True)
class CheckPanel:
    """One check as this user sees it, with only the forms they can complete."""

    view: CheckView
    verdict_form: VerdictForm | None
    evidence_form: EvidenceForm | None
    findings: list[str]


def _verdict_form(check: Check, data: Any = None) -> VerdictForm:
    if check.kind == CheckKind.TECHNICAL:
        application = check.application
        findings = kind_for(application.programme.kind).technical_findings
        form = TechnicalVerdictForm(data, findings=findings)
        policy = policy_for(application)
        if "document" in form.fields and policy is not None:
            # The programme says what its document check is (e.g. the BPJS segment).
            form.fields["document"].label = gettext(policy.technical_label)
        return form
    return VerdictForm(data)


def _checks_page(
    request: PortalRequest,
    application: Application,
    *,
    bound: VerdictForm | None = None,
    evidence: tuple[int, EvidenceForm] | None = None,
) -> HttpResponse:
    """The application's checks; a refused verdict (`bound`) or file (`evidence`, with its
    check's id) shows again with what was typed."""
    panels = []
    for view in checks_for(user=request.user, application=application):
        check = view.check
        check.application = application
        verdict_form = None
        if verdict_allowed(actor=request.user, check=check):
            is_bound = bound is not None and request.POST.get("check") == str(check.pk)
            verdict_form = bound if is_bound else _verdict_form(check)
        attach = evidence_allowed(actor=request.user, check=check) and request.user.has_perm(
            "verification.add_evidence"
        )
        panels.append(
            CheckPanel(
                view=view,
                verdict_form=verdict_form,
                evidence_form=(
                    (evidence[1] if evidence and evidence[0] == check.pk else EvidenceForm())
                    if attach
                    else None
                ),
                findings=finding_lines(view.verdict.findings) if view.verdict else [],
            )
        )
    may_open = request.user.has_perm("verification.decide_check") and (
        scope_for(request.user).agency_code in (None, application.programme.agency.code)
    )
    context = {
        "application": application,
        "nik": mask_nik(application.person.nik),
        "panels": panels,
        "may_open": may_open,
        "bound": bound,
        "bound_evidence": evidence[1] if evidence else None,
        "policy": getattr(application.programme, "verification_policy", None),
    }
    return render(request, "verification/application.html", context)


@portal_view(perm="verification.view_check")
def application_checks(request: PortalRequest, pk: int) -> HttpResponse:
    application = application_verification_get(user=request.user, application_id=pk)
    if request.method == "POST":
        with forbidden_as_403():
            if request.POST.get("action") == "identity":
                identity_refresh(actor=request.user, application_id=application.pk)
            else:
                checks_open(actor=request.user, application_id=application.pk)
        return redirect("verification:application", pk=application.pk)
    return _checks_page(request, application)


@require_POST
@portal_view(perm="verification.decide_check")
def check_verdict(request: PortalRequest, pk: int) -> HttpResponse:
    check = check_get(user=request.user, check_id=pk)
    form = _verdict_form(check, request.POST)
    if form.is_valid():
        findings = form.findings() if isinstance(form, TechnicalVerdictForm) else {}
        with refusals_on(form), forbidden_as_403():
            verdict_record(
                actor=request.user,
                check_id=check.pk,
                passed=form.passed,
                reason=form.cleaned_data["reason"],
                findings=findings,
            )
            messages.success(request, _("The verdict was recorded."))
            return redirect("verification:application", pk=check.application_id)
    return _checks_page(request, check.application, bound=form)


def _upload(request: PortalRequest, form: EvidenceForm, **target: int) -> bool:
    """Store the posted file; False when it is refused, the reason then on `form`."""
    if form.is_valid():
        with refusals_on(form, "file"), forbidden_as_403():
            evidence_upload(
                actor=request.user,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                **target,
            )
            messages.success(request, _("The file was added."))
            return True
    return False


@require_POST
@portal_view(perm="verification.add_evidence")
def check_evidence(request: PortalRequest, pk: int) -> HttpResponse:
    check = check_get(user=request.user, check_id=pk)
    form = EvidenceForm(request.POST, request.FILES)
    if _upload(request, form, check_id=check.pk):
        return redirect("verification:application", pk=check.application_id)
    return _checks_page(request, check.application, evidence=(check.pk, form))


@require_GET
@portal_view(perm="verification.view_fieldvisit")
def visit_index(request: PortalRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    overdue = request.GET.get("overdue") == "1"
    visits = visit_list(user=request.user, status=status, overdue=overdue)
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/visit_list.html",
        {"page": page, "status": status, "statuses": FieldVisit.Status.choices},
    )


def _officers(kelurahan_code: str, *, dinsos_staff: bool = False) -> list[tuple[int, str]]:
    """The choices of an assignment form (`assignable_officers`)."""
    officers = assignable_officers(kelurahan_code=kelurahan_code, dinsos_staff=dinsos_staff)
    return [(u.pk, u.get_full_name() or u.username) for u in officers]


@portal_view(perm="verification.view_fieldvisit")
def visit_detail(request: PortalRequest, pk: int) -> HttpResponse:
    visit = visit_get(user=request.user, visit_id=pk)
    ruleset = ruleset_active()
    if ruleset is None:
        raise DomainError(_("No poverty ruleset is active."))
    rules = ruleset_rules(ruleset)
    with_verdict = visit.check_row_id is not None
    form = VisitForm(request.POST or None, rules=rules, with_verdict=with_verdict)
    if request.method == "POST":
        if not request.user.has_perm("verification.change_fieldvisit"):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            with refusals_on(form), forbidden_as_403():
                visit_complete(
                    actor=request.user,
                    visit_id=visit.pk,
                    answers=form.answers(),
                    notes=data["notes"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    visited_on=data["assessed_on"],
                    passed=form.passed(),
                    reason=data.get("reason", ""),
                )
                messages.success(request, _("The visit was recorded."))
                return redirect("verification:visit", pk=visit.pk)
    return _visit_page(request, visit, form=form)


def _visit_page(
    request: PortalRequest,
    visit: FieldVisit,
    *,
    form: VisitForm | None = None,
    assign_form: VisitAssignForm | None = None,
    evidence_form: EvidenceForm | None = None,
) -> HttpResponse:
    """The visit's page; a refused record, assignment or file shows again with what was
    typed."""
    if form is None:
        ruleset = ruleset_active()
        if ruleset is None:
            raise DomainError(_("No poverty ruleset is active."))
        form = VisitForm(rules=ruleset_rules(ruleset), with_verdict=visit.check_row_id is not None)
    context = {
        "visit": visit,
        "form": form,
        "evidence_form": evidence_form or EvidenceForm(camera=True),
        "members": household_members(household=visit.household),
        "assign_form": assign_form
        or VisitAssignForm(
            officers=_officers(visit.kelurahan_code), initial={"assignee": visit.assigned_to_id}
        ),
        "evidence": visit.evidence.all(),
    }
    return render(request, "verification/visit_detail.html", context)


@require_POST
@portal_view(perm="verification.change_fieldvisit")
def visit_assign_view(request: PortalRequest, pk: int) -> HttpResponse:
    visit = visit_get(user=request.user, visit_id=pk)
    form = VisitAssignForm(request.POST, officers=_officers(visit.kelurahan_code))
    if form.is_valid():
        with refusals_on(form), forbidden_as_403():
            visit_assign(
                actor=request.user,
                visit_id=visit.pk,
                assignee_id=form.cleaned_data["assignee"],
                due_on=form.cleaned_data["due_on"],
            )
            messages.success(request, _("The visit was assigned."))
            return redirect("verification:visit", pk=visit.pk)
    return _visit_page(request, visit, assign_form=form)


@require_POST
@portal_view(perm="verification.add_evidence")
def visit_evidence(request: PortalRequest, pk: int) -> HttpResponse:
    visit = visit_get(user=request.user, visit_id=pk)
    form = EvidenceForm(request.POST, request.FILES, camera=True)
    if _upload(request, form, visit_id=visit.pk):
        return redirect("verification:visit", pk=visit.pk)
    return _visit_page(request, visit, evidence_form=form)


@require_GET
@portal_view(perm="verification.view_evidence")
def evidence_file(request: PortalRequest, pk: int) -> HttpResponse:
    evidence = evidence_get(user=request.user, evidence_id=pk)
    path = evidence_dir() / evidence.stored_name
    if not path.is_file():
        raise Http404
    response: HttpResponse = FileResponse(  # type: ignore[assignment]
        path.open("rb"), content_type=evidence.content_type
    )
    response["Content-Disposition"] = f'inline; filename="evidence-{evidence.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@portal_view(perm="verification.resolve_disagreement")
def resolution_index(request: PortalRequest) -> HttpResponse:
    return _resolutions_page(request)


def _resolutions_page(
    request: PortalRequest, bound: tuple[int, ResolveForm] | None = None
) -> HttpResponse:
    """The open disagreements, each with its own form; a refused one (`bound`, with its
    resolution's id) shows again with what was typed."""
    rows = [
        (r, bound[1] if bound and bound[0] == r.pk else ResolveForm(auto_id=f"id_r{r.pk}_%s"))
        for r in resolution_queue(user=request.user)
    ]
    return render(
        request,
        "verification/resolutions.html",
        {"rows": rows, "bound": bound[1] if bound else None},
    )


@require_POST
@portal_view(perm="verification.resolve_disagreement")
def resolution_decide(request: PortalRequest, pk: int) -> HttpResponse:
    resolution = resolution_get(user=request.user, resolution_id=pk)
    form = ResolveForm(request.POST, auto_id=f"id_r{resolution.pk}_%s")
    if form.is_valid():
        with refusals_on(form), forbidden_as_403():
            disagreement_resolve(
                actor=request.user,
                resolution_id=resolution.pk,
                passed=form.cleaned_data["outcome"] == "pass",
                reason=form.cleaned_data["reason"],
            )
            return redirect("verification:application", pk=resolution.application_id)
    return _resolutions_page(request, (resolution.pk, form))


@portal_view(perm="verification.view_verivaliround")
def verivali_index(request: PortalRequest) -> HttpResponse:
    form = VerivaliForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("verification.add_verivaliround"):
            raise PermissionDenied
        if form.is_valid():
            with refusals_on(form), forbidden_as_403():
                verivali_round = verivali_start(
                    actor=request.user,
                    due_on=form.cleaned_data["due_on"],
                    programme_id=form.cleaned_data["programme"],
                )
                return redirect("jobs:detail", pk=verivali_round.job_id or 0)
    rounds = VerivaliRound.objects.select_related("programme", "job")[:50]
    return render(request, "verification/verivali.html", {"form": form, "rounds": rounds})


@require_GET
@portal_view(perm="verification.view_oversight")
def oversight(request: PortalRequest) -> HttpResponse:
    rows = reports.pipeline(user=request.user)
    chart = bar_chart(
        [(r.agency, [float(r.states[s]) for s in reports.PIPELINE]) for r in rows],
        title=gettext("Applications per agency, by stage"),
        series=[str(ApplicationState(s).label) for s in reports.PIPELINE],
        colours=[STAGE_COLOURS[s] for s in reports.PIPELINE],
    )
    ageing_chart = bar_chart(
        [(r.agency, [float(n) for n in r.ageing]) for r in rows],
        title=gettext("Applications waiting, by age in days"),
        series=["0-7", "8-30", "> 30"],
    )
    overdue = reports.overdue_by_kelurahan(user=request.user)
    overdue_chart = bar_chart(
        [(code, [float(v), float(c)]) for code, v, c in overdue[:30]],
        title=gettext("Overdue visits and complaints per kelurahan"),
        series=[gettext("Visits"), gettext("Complaints")],
    )
    return render(
        request,
        "verification/oversight.html",
        {
            "rows": rows,
            "chart": chart,
            "ageing_chart": ageing_chart,
            "overdue_chart": overdue_chart,
            "overdue": overdue,
        },
    )


@require_GET
@portal_view(perm="verification.view_verdict")
def agreement_report(request: PortalRequest) -> HttpResponse:
    officers, agencies = reports.agreement(user=request.user)
    chart = bar_chart(
        [(r.who, r.rate) for r in agencies],
        title=gettext("Agreement rate per agency"),
        unit="%",
    )
    return render(
        request,
        "verification/agreement.html",
        {"officers": officers, "agencies": agencies, "chart": chart},
    )
