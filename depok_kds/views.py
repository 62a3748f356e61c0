from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from depok_kds.dashboard import dashboard_panels
from depok_kds.forms import AuditFilterForm, DemoJobForm, LockoutAuthenticationForm
from depok_kds.jobs import job_start
from depok_kds.portal import PortalRequest, portal_view
from depok_kds.selectors import audit_entry_list, job_visible_list
from depok_kds.tasks import DEMO_KIND


class KdsLoginView(LoginView):
    form_class = LockoutAuthenticationForm
    redirect_authenticated_user = True


@portal_view()
def dashboard(request: PortalRequest) -> HttpResponse:
    return _render_dashboard(request, DemoJobForm())


def _render_dashboard(
    request: PortalRequest, demo_form: DemoJobForm, status: int = 200
) -> HttpResponse:
    context = {
        "recent_jobs": job_visible_list(user=request.user)[:5],
        "demo_form": demo_form,
        # The counting demo is for trying the portal (`make run`), not for daily work.
        "show_demo_job": getattr(settings, "KDS_DEMO_TOOLS", settings.DEBUG),
        "panels": dashboard_panels(request.user),
    }
    return render(request, "depok_kds/dashboard.html", context, status=status)


@portal_view()
def job_list(request: PortalRequest) -> HttpResponse:
    page = Paginator(job_visible_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "depok_kds/job_list.html", {"page": page})


@portal_view()
def job_detail(request: PortalRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(job_visible_list(user=request.user), pk=pk)
    template = "depok_kds/_job_progress.html" if request.htmx else "depok_kds/job_detail.html"
    return render(request, template, {"job": job})


@require_POST
@portal_view(perm="depok_kds.add_job")
def demo_job_start(request: PortalRequest) -> HttpResponse:
    form = DemoJobForm(request.POST)
    if not form.is_valid():
        return _render_dashboard(request, form, status=400)
    job = job_start(
        kind=DEMO_KIND,
        requested_by=request.user,
        params={"n": form.cleaned_data["n"]},
    )
    return redirect("jobs:detail", pk=job.pk)


@portal_view(perm="depok_kds.view_auditentry")
def audit_log(request: PortalRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_entry_list(user=request.user, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "depok_kds/audit_log.html", {"form": form, "page": page})
