"""Portal pages of imports and exports: upload, preview and confirm an import; download a
template; export the search to XLSX; a household's DTSEN desil history (an HTMX partial)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from depok_kds.access import may_see_pii
from depok_kds.audit import pii_access_record
from depok_kds.errors import DomainError
from depok_kds.forms import refusals_on
from depok_kds.models import Job
from depok_kds.portal import PortalRequest, portal_view
from registry.dtsen import desil_history
from registry.export import (
    INLINE_LIMIT,
    household_export_file,
    household_export_start,
    households_xlsx,
)
from registry.forms import HouseholdSearchForm
from registry.imports import tasks as import_tasks  # noqa: F401  (registers the job handlers)
from registry.imports.base import ImportKind
from registry.imports.forms import ImportUploadForm
from registry.imports.kinds import import_kind
from registry.imports.selectors import (
    COMMIT_KIND,
    JOB_PERMISSION,
    PREVIEW_KIND,
    import_allowed,
    import_commit_of,
    import_job_get,
    import_job_list,
    import_kinds_for,
)
from registry.imports.services import import_commit_start, import_start
from registry.imports.template_files import template_csv, template_xlsx
from registry.selectors import household_list, kelurahan_list

ERRORS_SHOWN = 500
RECENT_JOBS = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What each count of a preview or commit result means, in the order shown.
COUNT_LABELS = {
    "rows": _("Rows in the file"),
    "rows_ready": _("Rows that can be imported"),
    "rows_skipped": _("Rows skipped"),
    "families_skipped": _("Families skipped as a whole"),
    "households_new": _("New households"),
    "households_updated": _("Households with a changed address"),
    "households_unchanged": _("Households unchanged"),
    "persons_new": _("New members"),
    "persons_updated": _("Members with changes"),
    "persons_unchanged": _("Members unchanged"),
    "assessments_new": _("New assessments"),
    "assessments_unchanged": _("Assessments already recorded"),
    "desil_new": _("New desil rankings"),
    "desil_updated": _("Corrected desil rankings"),
    "desil_unchanged": _("Desil rankings unchanged"),
    "desil_unmatched": _("Rankings matching nobody registered yet (kept)"),
    "warnings": _("Warnings (not blocking: NIK without sex/birth date match, NIK missing)"),
}


@dataclass(frozen=True)
class KindRow:
    kind: ImportKind
    columns: list[Any]


def _allowed_kind(request: PortalRequest, key: str) -> ImportKind:
    try:
        kind = import_kind(key)
    except LookupError:
        raise Http404 from None
    if not import_allowed(user=request.user, kind=kind):
        raise PermissionDenied
    return kind


@portal_view(perm=JOB_PERMISSION)
def import_index(request: PortalRequest) -> HttpResponse:
    kinds = import_kinds_for(user=request.user)
    if not kinds:
        raise PermissionDenied
    jobs = import_job_list(user=request.user).filter(kind=PREVIEW_KIND)[:RECENT_JOBS]
    return render(request, "registry/import_index.html", {"kinds": kinds, "jobs": jobs})


@portal_view(perm=JOB_PERMISSION)
def import_upload(request: PortalRequest, kind: str) -> HttpResponse:
    chosen = _allowed_kind(request, kind)
    try:
        columns = list(chosen.columns())
    except DomainError as error:  # no active ruleset: nothing to assess against
        return render(
            request, "registry/import_upload.html", {"kind": chosen, "refusal": error.message}
        )
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with refusals_on(form, "file"):
                job = import_start(
                    actor=request.user,
                    kind_key=chosen.key,
                    upload=form.cleaned_data["file"],
                    language=get_language() or "",
                )
                return redirect("registry:import-job", pk=job.pk)
    context = {"kind": chosen, "columns": columns, "form": form}
    return render(request, "registry/import_upload.html", context, status=status)


@portal_view(perm=JOB_PERMISSION)
def import_template(request: PortalRequest, kind: str, fmt: str) -> HttpResponse:
    chosen = _allowed_kind(request, kind)
    if fmt == "csv":
        response = HttpResponse(template_csv(chosen), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(template_xlsx(chosen), content_type=XLSX)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="template-{chosen.key}.{fmt}"'
    return response


def _job_context(request: PortalRequest, job: Job) -> dict[str, Any]:
    preview = job
    commit: Job | None = None
    if job.kind == COMMIT_KIND:
        preview = import_job_get(user=request.user, job_id=job.params["preview_job"])
        commit = job
    elif job.is_finished:
        commit = import_commit_of(preview=job)
    kind = import_kind(preview.params["kind"])
    result = job.result if job.status == Job.Status.SUCCEEDED else {}
    counts = [(label, result[key]) for key, label in COUNT_LABELS.items() if key in result]
    return {
        "job": job,
        "preview": preview,
        "commit": commit,
        "kind": kind,
        "is_commit": job.kind == COMMIT_KIND,
        "counts": counts,
        "errors": job.error_rows[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(job.error_rows) - ERRORS_SHOWN),
        "can_confirm": (
            job.kind == PREVIEW_KIND
            and job.status == Job.Status.SUCCEEDED
            and bool(result.get("rows_ready"))
            and commit is None
            and import_allowed(user=request.user, kind=kind)
        ),
    }


@portal_view()
def import_job(request: PortalRequest, pk: int) -> HttpResponse:
    job = import_job_get(user=request.user, job_id=pk)
    template = (
        "registry/import_detail_status.html" if request.htmx else "registry/import_detail.html"
    )
    return render(request, template, _job_context(request, job))


@require_POST
@portal_view(perm=JOB_PERMISSION)
def import_confirm(request: PortalRequest, pk: int) -> HttpResponse:
    job = import_commit_start(actor=request.user, preview_job_id=pk)
    return redirect("registry:import-job", pk=job.pk)


@portal_view(perm="registry.view_household")
def household_export(request: PortalRequest) -> HttpResponse:
    """The search page's results as XLSX: the same filters, the same scope, every export
    logged (with full numbers only for users who may see them). A large result is written
    by a job; its page shows the progress and then the download."""
    form = HouseholdSearchForm(request.GET, kelurahan=kelurahan_list(user=request.user))
    if not form.is_valid():
        return HttpResponse(_("Check the search fields."), status=400)
    households = household_list(user=request.user, **form.filters())
    if not households.query.is_sliced and households.count() > INLINE_LIMIT:
        job = household_export_start(actor=request.user, filters=form.filters())
        return redirect("registry:export-job", pk=job.pk)
    full = may_see_pii(request.user)
    workbook, count = households_xlsx(households, full=full)
    pii_access_record(
        actor=request.user,
        export=True,
        target_type="registry.household",
        fields=("nik", "kk") if full else (),
        count=count,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    with workbook:  # written chunk by chunk; the finished file is compressed and small
        response = HttpResponse(workbook.read(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="households-{stamp}.xlsx"'
    return response


@portal_view(perm="registry.view_household")
def household_export_job(request: PortalRequest, pk: int) -> HttpResponse:
    job, path = household_export_file(user=request.user, job_id=pk)
    template = (
        "registry/import_export_status.html" if request.htmx else "registry/import_export_job.html"
    )
    ready = job.status == Job.Status.SUCCEEDED and path.exists()
    deleted = job.status == Job.Status.SUCCEEDED and not ready
    keep_hours = settings.KDS_EXPORT_KEEP_HOURS
    context = {"job": job, "ready": ready, "deleted": deleted, "keep_hours": keep_hours}
    return render(request, template, context)


@portal_view(perm="registry.view_household")
def household_export_download(request: PortalRequest, pk: int) -> HttpResponse:
    job, path = household_export_file(user=request.user, job_id=pk)
    if job.status != Job.Status.SUCCEEDED or not path.exists():
        raise Http404
    response = HttpResponse(path.read_bytes(), content_type=XLSX)
    stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="households-{stamp}.xlsx"'
    return response


@portal_view(perm="registry.view_desilrecord")
def household_desil_history(request: PortalRequest, pk: int) -> HttpResponse:
    records = list(desil_history(user=request.user, household_id=pk))
    context = {"desil_loaded": True, "desil_records": records}
    return render(request, "registry/_desil_history.html", context)
