"""Portal pages of Dukcapil matching: runs and their summaries, the review queue, extracts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from depok_kds.audit import pii_shown
from depok_kds.charts import bar_chart
from depok_kds.formatting import long_date
from depok_kds.forms import refusals_on
from depok_kds.models import Job
from depok_kds.portal import PortalRequest, list_again, next_url, portal_view
from depok_kds.selectors import job_visible_list
from depok_kds.templatetags.kds import result_rows
from registry.dukcapil.forms import (
    BulkReviewForm,
    ExtractUploadForm,
    OutcomeFilterForm,
    ReviewForm,
    RunStartForm,
)
from registry.dukcapil.models import MatchOutcome, Outcome
from registry.dukcapil.selectors import (
    extract_active,
    extract_get,
    extract_list,
    open_kk_numbers,
    outcome_get,
    outcome_list,
    review_queue,
    run_get,
    run_list,
    run_summary,
)
from registry.dukcapil.services import (
    dkb_extract_start,
    match_run_start,
    outcome_review,
    outcomes_review_bulk,
)
from registry.models import Person
from registry.selectors import kelurahan_list, nik_display

PAGE_SIZE = 50
FIELD_LABELS = {
    "name": _("Name"),
    "birth_date": _("Date of birth"),
    "sex": _("Sex"),
    "birth_place": _("Place of birth"),
    "kk": _("No. KK"),
    "kk_members": _("KK members"),
    "deceased": _("Deceased"),
    "mother_name": _("Mother's name"),
}


@dataclass(frozen=True)
class Field:
    label: Any
    registry: str
    dukcapil: str
    differs: bool


@dataclass(frozen=True)
class OutcomeRow:
    """One outcome as a page shows it: the registry beside Dukcapil, numbers masked or not."""

    outcome: MatchOutcome
    nik: str
    candidate: str
    fields: list[Field]
    differences: list[Any]


def _sex(code: str) -> str:
    return str(Person.Sex(code).label) if code in Person.Sex.values else code


def _rows(outcomes: list[MatchOutcome], *, full: bool) -> list[OutcomeRow]:
    cards = open_kk_numbers([o.person.household_id for o in outcomes if o.person.household_id])
    rows = []
    for outcome in outcomes:
        person, seen = outcome.person, outcome.dukcapil or {}
        differences = set(outcome.differences)
        born = seen.get("birth_date")
        fields = [
            Field(_("Name"), person.full_name, seen.get("full_name", ""), "name" in differences),
            Field(
                _("Date of birth"),
                long_date(person.birth_date),
                long_date(date.fromisoformat(born)) if born else "",
                "birth_date" in differences,
            ),
            Field(_("Sex"), _sex(person.sex), _sex(seen.get("sex", "")), "sex" in differences),
            Field(
                _("Place of birth"),
                person.birth_place,
                seen.get("birth_place", ""),
                "birth_place" in differences,
            ),
            Field(
                _("No. KK"),
                nik_display(cards.get(person.household_id or 0), full=full),
                nik_display(seen.get("kk"), full=full),
                "kk" in differences,
            ),
        ]
        rows.append(
            OutcomeRow(
                outcome=outcome,
                nik=nik_display(person.nik, full=full),
                candidate=nik_display(outcome.candidate_nik, full=full),
                fields=fields,
                differences=[FIELD_LABELS.get(d, d) for d in outcome.differences],
            )
        )
    return rows


def _shown(request: PortalRequest, outcomes: list[MatchOutcome]) -> list[OutcomeRow]:
    full = pii_shown(
        request.user,
        target_type="registry.person",
        target_ids=[o.person_id for o in outcomes],
        fields=("nik", "kk"),
    )
    return _rows(outcomes, full=full)


def _reload_when_finished(job: Job) -> HttpResponse:
    """Answer the page's poll while its job works: nothing until the job has finished, then
    reload the page, so that what the job produced (summary, outcomes, status) is shown."""
    if job.is_finished:
        return HttpResponseClientRefresh()
    return HttpResponse(status=204)


@portal_view(perm="dukcapil.view_matchrun")
def run_list_page(request: PortalRequest) -> HttpResponse:
    runs = Paginator(run_list(user=request.user), 20).get_page(request.GET.get("page"))
    form = RunStartForm(kelurahan=kelurahan_list(user=request.user))
    context = {"page": runs, "form": form, "extract": extract_active()}
    return render(request, "dukcapil/run_list.html", context)


@require_POST
@portal_view(perm="dukcapil.add_matchrun")
def run_start_page(request: PortalRequest) -> HttpResponse:
    form = RunStartForm(request.POST, kelurahan=kelurahan_list(user=request.user))
    if form.is_valid():
        kelurahan = form.cleaned_data.get("kelurahan")
        with refusals_on(form):
            run = match_run_start(
                actor=request.user,
                source=form.cleaned_data["source"],
                scope=form.cleaned_data["scope"],
                kelurahan_code=kelurahan.code if kelurahan else "",
            )
            messages.success(request, _("Matching run #%(run)d started.") % {"run": run.pk})
            return redirect("dukcapil:run", pk=run.pk)
    runs = Paginator(run_list(user=request.user), 20).get_page(1)
    context = {"page": runs, "form": form, "extract": extract_active()}
    return render(request, "dukcapil/run_list.html", context, status=400)


@portal_view(perm="dukcapil.view_matchrun")
def run_detail_page(request: PortalRequest, pk: int) -> HttpResponse:
    run = run_get(user=request.user, run_id=pk)
    if request.htmx:
        return _reload_when_finished(run.job)
    summary = run_summary(user=request.user, run=run)
    filters = OutcomeFilterForm(request.GET or None)
    outcome = filters.cleaned_data.get("outcome", "") if filters.is_valid() else ""
    page = Paginator(outcome_list(user=request.user, run_id=run.pk, outcome=outcome), PAGE_SIZE)
    current = page.get_page(request.GET.get("page"))
    chart = None
    if summary.persons:
        chart = bar_chart(
            [(str(label), count) for _code, label, count in summary.outcome_rows() if count],
            title=str(_("Persons per outcome")),
            unit=str(_("persons")),
        )
    context = {
        "run": run,
        "job": job_visible_list(user=request.user).filter(pk=run.job_id).first(),
        "summary": summary,
        "chart": chart,
        "filters": filters,
        "page": current,
        "rows": _shown(request, list(current.object_list)),
    }
    return render(request, "dukcapil/run_detail.html", context)


@portal_view(perm="dukcapil.view_matchoutcome")
def review_queue_page(request: PortalRequest) -> HttpResponse:
    return _queue_page(request, BulkReviewForm(), request.GET)


def _queue_page(
    request: PortalRequest,
    bulk: BulkReviewForm,
    query: QueryDict,
    again: dict[str, str] | None = None,
) -> HttpResponse:
    """The review queue filtered and paged by `query`; a refused bulk review shows again
    with its decision, note and ticked outcomes."""
    filters = OutcomeFilterForm(query or None)
    outcome = filters.cleaned_data.get("outcome", "") if filters.is_valid() else ""
    queue = review_queue(user=request.user, outcome=outcome)
    current = Paginator(queue, PAGE_SIZE).get_page(query.get("page"))
    context = {
        "filters": filters,
        "page": current,
        "rows": _shown(request, list(current.object_list)),
        "bulk": bulk,
        "ticked": {int(v) for v in request.POST.getlist("outcome") if v.isdigit()},
        "may_review": request.user.has_perm("dukcapil.review_matchoutcome"),
        **(again or {}),
    }
    return render(request, "dukcapil/review_queue.html", context)


@require_POST
@portal_view(perm="dukcapil.review_matchoutcome")
def review_bulk_page(request: PortalRequest) -> HttpResponse:
    form = BulkReviewForm(request.POST)
    if form.is_valid():
        with refusals_on(form):
            result = outcomes_review_bulk(
                actor=request.user,
                outcome_ids=form.cleaned_data["outcome"],
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
            if result.done:
                done = len(result.done)
                messages.success(request, _("%(count)d outcomes reviewed.") % {"count": done})
            for outcome_id, reason in result.failed:
                messages.error(
                    request, _("Outcome %(id)d: %(reason)s") % {"id": outcome_id, "reason": reason}
                )
            return redirect(next_url(request, "dukcapil:review"))
    return _queue_page(request, form, *list_again(request, "dukcapil:review"))


@portal_view(perm="dukcapil.view_matchoutcome")
def outcome_detail_page(request: PortalRequest, pk: int) -> HttpResponse:
    outcome = outcome_get(user=request.user, outcome_id=pk)
    may_review = request.user.has_perm("dukcapil.review_matchoutcome")
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_review:
            raise PermissionDenied
        if form.is_valid():
            with refusals_on(form):
                outcome_review(
                    actor=request.user,
                    outcome_id=outcome.pk,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"],
                    event_date=form.cleaned_data["event_date"],
                )
                messages.success(request, _("The outcome was reviewed."))
                return redirect("dukcapil:outcome", pk=outcome.pk)
    (row,) = _shown(request, [outcome])
    context = {
        "row": row,
        "form": form,
        "may_review": may_review and outcome.review_status == MatchOutcome.Review.PENDING,
        "members": outcome.evidence.get("members_only_at_dukcapil", []),
        # What the matcher weighed, as labelled rows (never a dict).
        "evidence": result_rows(
            {k: v for k, v in outcome.evidence.items() if k != "members_only_at_dukcapil"}
        ),
        "outcomes": Outcome,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "dukcapil/outcome_detail.html", context, status=status)


@portal_view(perm="dukcapil.view_dkbextract")
def extract_list_page(request: PortalRequest) -> HttpResponse:
    may_load = request.user.has_perm("dukcapil.add_dkbextract")
    form = ExtractUploadForm()
    status = 200
    if request.method == "POST":
        if not may_load:
            raise PermissionDenied
        form = ExtractUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with refusals_on(form, "file"):
                extract = dkb_extract_start(
                    actor=request.user,
                    semester=form.cleaned_data["semester"],
                    source_name=upload.name or "dkb.csv",
                    content=upload,
                )
                return redirect("dukcapil:extract", pk=extract.pk)
        status = 400
    context = {"extracts": extract_list(user=request.user)[:20], "form": form, "may_load": may_load}
    return render(request, "dukcapil/extract_list.html", context, status=status)


@portal_view(perm="dukcapil.view_dkbextract")
def extract_detail_page(request: PortalRequest, pk: int) -> HttpResponse:
    extract = extract_get(user=request.user, extract_id=pk)
    if request.htmx and extract.job is not None:
        return _reload_when_finished(extract.job)
    jobs = job_visible_list(user=request.user)
    job = jobs.filter(pk=extract.job_id).first() if extract.job_id is not None else None
    return render(request, "dukcapil/extract_detail.html", {"extract": extract, "job": job})
