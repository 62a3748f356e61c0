"""Portal pages of the poverty assessment: the 14-parameter form, the household's assessment
panel, and the ruleset pages of Dinas Sosial (list, detail, upload, simulate, activate)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from depok_kds.charts import bar_chart
from depok_kds.forms import refusals_on
from depok_kds.portal import PortalRequest, portal_view
from registry import scoring
from registry.assessment_forms import AssessmentForm, RulesetUploadForm
from registry.models import Ruleset
from registry.models.household import PovertyClass
from registry.selectors import (
    assessment_current,
    assessment_explain,
    assessment_history,
    household_get,
    parameter_label,
    ruleset_active,
    ruleset_get,
    ruleset_list,
    ruleset_rules,
)
from registry.services import ruleset_activate, ruleset_create, ruleset_simulate
from registry.services.assessments import assessment_record
from registry.services.rulesets import CLASSES, UNSCORABLE

HISTORY_SHOWN = 50


@dataclass(frozen=True)
class ParameterRow:
    parameter: scoring.Parameter
    label: str
    options: list[tuple[scoring.Option, str]]  # with the points as the page shows them


def _household_url(pk: int) -> str:
    return reverse("registry:household", args=[pk]) + "#assessment"


@portal_view(perm="registry.add_assessment")
def assessment_new(request: PortalRequest, pk: int) -> HttpResponse:
    household = household_get(user=request.user, household_id=pk)
    ruleset = ruleset_active()
    if ruleset is None:
        messages.error(request, _("No poverty ruleset is active; ask Dinas Sosial."))
        return redirect(_household_url(household.pk))
    rules = ruleset_rules(ruleset)
    current = assessment_current(household=household)
    initial = AssessmentForm.initial_answers(current.answers) if current else {}
    data = request.POST if request.method == "POST" else None
    form = AssessmentForm(data, rules=rules, initial=initial)
    if data is not None and form.is_valid():
        if form.cleaned_data["ruleset_version"] != rules.version:
            submitted = {key: value for key, value in data.items() if key != "ruleset_version"}
            form = AssessmentForm(None, rules=rules, initial={**initial, **submitted})
            messages.warning(
                request,
                _(
                    "The poverty rules changed to version %(version)s while the form was open; "
                    "check the answers and save again."
                )
                % {"version": rules.version},
            )
        else:
            with refusals_on(form, field_for=form.field_for):
                assessment = assessment_record(
                    actor=request.user,
                    household_id=household.pk,
                    answers=form.answers(),
                    source=form.cleaned_data["source"],
                    assessed_on=form.cleaned_data["assessed_on"],
                )
                messages.success(
                    request,
                    _("Assessment recorded: %(class)s, %(score)s of %(max)s points.")
                    % {
                        "class": assessment.get_poverty_class_display(),
                        "score": scoring.format_points(assessment.score),
                        "max": scoring.format_points(assessment.max_score),
                    },
                )
                return redirect(_household_url(household.pk))
    context = {"household": household, "form": form, "ruleset": ruleset, "current": current}
    status = 400 if data is not None and form.errors else 200
    return render(request, "registry/assessment_form.html", context, status=status)


@portal_view(perm="registry.view_assessment")
def assessment_panel(request: PortalRequest, pk: int) -> HttpResponse:
    """The household page's assessment section, loaded into it by htmx."""
    household = household_get(user=request.user, household_id=pk)
    if not request.htmx:
        return redirect(_household_url(household.pk))
    current = assessment_current(household=household)
    context = {
        "household": household,
        "assessment_panel": True,
        "current": current,
        "score": scoring.format_points(current.score) if current else "",
        "max_score": scoring.format_points(current.max_score) if current else "",
        "explanation": assessment_explain(current) if current else [],
        "history": list(assessment_history(household=household)[:HISTORY_SHOWN]),
    }
    return render(request, "registry/_assessment.html", context)


@portal_view(perm="registry.view_ruleset")
def ruleset_list_page(request: PortalRequest) -> HttpResponse:
    return render(
        request, "registry/ruleset_list.html", {"rulesets": ruleset_list(user=request.user)}
    )


@portal_view(perm="registry.view_ruleset")
def ruleset_detail(request: PortalRequest, pk: int) -> HttpResponse:
    ruleset = ruleset_get(user=request.user, ruleset_id=pk)
    rules = ruleset_rules(ruleset)
    rows = [
        ParameterRow(
            parameter,
            parameter_label(parameter),
            [(option, scoring.format_points(option.score)) for option in parameter.options],
        )
        for parameter in rules.parameters
    ]
    context = {
        "ruleset": ruleset,
        "rules": rules,
        "parameters": rows,
        "maximum": scoring.format_points(rules.max_possible),
        "miskin": scoring.format_points(rules.thresholds.miskin),
        "rentan": scoring.format_points(rules.thresholds.rentan),
    }
    return render(request, "registry/ruleset_detail.html", context)


@portal_view(perm="registry.add_ruleset")
def ruleset_upload(request: PortalRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = RulesetUploadForm(data, request.FILES if data is not None else None)
    if data is not None and form.is_valid():
        with refusals_on(form, "file"):
            ruleset = ruleset_create(actor=request.user, definition=form.cleaned_data["definition"])
            messages.success(
                request,
                _("Version %(version)s loaded as a draft. Simulate it before activating it.")
                % {"version": ruleset.version},
            )
            return redirect("registry:ruleset", pk=ruleset.pk)
    status = 400 if data is not None else 200
    return render(request, "registry/ruleset_upload.html", {"form": form}, status=status)


@portal_view(perm="registry.change_ruleset")
def ruleset_simulate_page(request: PortalRequest, pk: int) -> HttpResponse:
    ruleset = ruleset_get(user=request.user, ruleset_id=pk)
    simulation = ruleset_simulate(ruleset=ruleset)
    chart = bar_chart(
        simulation.chart_rows(),
        title=str(_("Households changing class, per kelurahan")),
        unit=str(_("households")),
        series=[str(_("into a poorer class")), str(_("into a less poor class"))],
    )
    context: dict[str, Any] = {
        "ruleset": ruleset,
        "simulation": simulation,
        "chart": chart,
        "columns": [PovertyClass(code).label for code in CLASSES] + [_("cannot be scored")],
        "unscorable": UNSCORABLE,
        "active": ruleset_active(),
        "can_activate": ruleset.status == Ruleset.Status.DRAFT,
    }
    return render(request, "registry/ruleset_simulation.html", context)


@require_POST
@portal_view(perm="registry.change_ruleset")
def ruleset_activate_page(request: PortalRequest, pk: int) -> HttpResponse:
    ruleset = ruleset_get(user=request.user, ruleset_id=pk)
    job = ruleset_activate(actor=request.user, ruleset=ruleset)  # a refusal: a page message
    messages.success(
        request,
        _("Version %(version)s is active; every household is being re-scored.")
        % {"version": ruleset.version},
    )
    return redirect("jobs:detail", pk=job.pk)
