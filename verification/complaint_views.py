"""Portal pages of complaints and appeals, and the public tracking page (/lacak/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from depok_kds.forms import refusals_on
from depok_kds.portal import PortalRequest, portal_view
from depok_kds.rate_limit import rate_limited
from registry.selectors import household_get_by_number, kelurahan_list
from verification.forms import (
    AnswerForm,
    AssignForm,
    ComplaintForm,
    EvidenceForm,
    NoteForm,
    TrackForm,
)
from verification.models import Complaint
from verification.selectors import (
    complainant_shown,
    complaint_get,
    complaint_list,
    complaint_public_status,
)
from verification.services import (
    complaint_answer,
    complaint_assign,
    complaint_close,
    complaint_escalate,
    complaint_receive,
)
from verification.views import PAGE_SIZE, _officers, _upload, forbidden_as_403


@portal_view(perm="verification.view_complaint")
def complaint_index(request: PortalRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = Paginator(complaint_list(user=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "verification/complaint_list.html",
        {"page": page, "status": status, "statuses": Complaint.Status.choices},
    )


@portal_view(perm="verification.add_complaint")
def complaint_new(request: PortalRequest) -> HttpResponse:
    form = ComplaintForm(request.POST or None, kelurahan=kelurahan_list(user=request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household_id = None
        if data["registry_number"]:
            try:
                household_id = household_get_by_number(
                    user=request.user, registry_number=data["registry_number"]
                ).pk
            except Http404:
                form.add_error(
                    "registry_number", _("No household in your area has this registry number.")
                )
        if not form.errors:
            with refusals_on(form), forbidden_as_403():
                complaint = complaint_receive(
                    actor=request.user,
                    kind=data["kind"],
                    category=data["category"],
                    channel=Complaint.Channel.PUSKESOS,
                    description=data["description"],
                    kelurahan_code=data["kelurahan"].code,
                    household_id=household_id,
                    application_id=data["application"],
                    complainant_name=data["complainant_name"],
                    complainant_contact=data["complainant_contact"],
                )
                messages.success(
                    request,
                    _("Received. Give the resident the tracking number %(number)s.")
                    % {"number": complaint.tracking_number},
                )
                return redirect("verification:complaint", pk=complaint.pk)
    return render(request, "verification/complaint_new.html", {"form": form})


@portal_view(perm="verification.view_complaint")
def complaint_detail(request: PortalRequest, pk: int) -> HttpResponse:
    return _complaint_page(request, complaint_get(user=request.user, complaint_id=pk))


def _complaint_page(
    request: PortalRequest, complaint: Complaint, **bound: Form | None
) -> HttpResponse:
    """The complaint's page; a refused action's form (`bound`, by its context name) shows
    again with what was typed."""
    forms: dict[str, Form | None] = {
        "assign_form": AssignForm(
            officers=_officers(complaint.kelurahan_code, dinsos_staff=True),
            initial={"assignee": complaint.assigned_to_id},
        ),
        "answer_form": AnswerForm(),
        "note_form": NoteForm(),
        "evidence_form": EvidenceForm(),
    }
    forms.update({name: form for name, form in bound.items() if form is not None})
    context = {
        "complaint": complaint,
        "show_complainant": complainant_shown(user=request.user, complaint=complaint),
        "events": complaint.events.select_related("actor"),
        "evidence": complaint.evidence.all(),
        "visits": complaint.visits.all(),
        **forms,
    }
    return render(request, "verification/complaint_detail.html", context)


def _complaint_act(request: PortalRequest, complaint: Complaint, action: str) -> Form | None:
    """Carry out `action`; the form it was refused on, or None when it was done."""
    form: Form
    if action == "assign":
        officers = _officers(complaint.kelurahan_code, dinsos_staff=True)
        form = AssignForm(request.POST, officers=officers)
    elif action == "answer":
        form = AnswerForm(request.POST)
    else:
        form = NoteForm(request.POST)
    if not form.is_valid():
        return form
    data = form.cleaned_data
    with refusals_on(form), forbidden_as_403():
        if action == "assign":
            complaint_assign(
                actor=request.user, complaint_id=complaint.pk, assignee_id=data["assignee"]
            )
        elif action == "answer":
            complaint_answer(
                actor=request.user,
                complaint_id=complaint.pk,
                answer=data["answer"],
                outcome=data["outcome"],
            )
        elif action == "close":
            complaint_close(actor=request.user, complaint_id=complaint.pk)
        else:
            complaint_escalate(actor=request.user, complaint_id=complaint.pk, note=data["note"])
        return None
    return form


FORM_OF_ACTION = {
    "assign": "assign_form",
    "answer": "answer_form",
    "close": "note_form",
    "escalate": "note_form",
}


@require_POST
@portal_view(perm="verification.change_complaint")
def complaint_act(request: PortalRequest, pk: int, action: str) -> HttpResponse:
    complaint = complaint_get(user=request.user, complaint_id=pk)
    if action not in FORM_OF_ACTION:
        raise Http404
    refused = _complaint_act(request, complaint, action)
    if refused is None:
        return redirect("verification:complaint", pk=complaint.pk)
    return _complaint_page(request, complaint, **{FORM_OF_ACTION[action]: refused})


@require_POST
@portal_view(perm="verification.add_evidence")
def complaint_evidence(request: PortalRequest, pk: int) -> HttpResponse:
    complaint = complaint_get(user=request.user, complaint_id=pk)
    if not request.user.has_perm("verification.change_complaint"):
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    if _upload(request, form, complaint_id=complaint.pk):
        return redirect("verification:complaint", pk=complaint.pk)
    return _complaint_page(request, complaint, evidence_form=form)


def _rate_limited(request: HttpRequest) -> bool:
    """At most KDS_TRACKING_LOOKUPS lookups per address per 10 minutes (the shared cache)."""
    return rate_limited(
        request, bucket="lacak", limit=int(getattr(settings, "KDS_TRACKING_LOOKUPS", 20))
    )


@never_cache
@require_http_methods(["GET"])
def track(request: HttpRequest) -> HttpResponse:
    """Public: the status of a tracking number, and nothing else. Unknown numbers get the
    same generic answer as numbers not yet visible, so numbers cannot be enumerated."""
    form = TrackForm(request.GET or None)
    context: dict[str, object] = {"form": form, "searched": False}
    status = 200
    if form.is_bound:
        if _rate_limited(request):
            context["limited"] = True
            status = 429
        elif form.is_valid():
            complaint = complaint_public_status(tracking_number=form.cleaned_data["number"])
            context["searched"] = True
            context["complaint"] = complaint
            context["status"] = complaint.get_status_display() if complaint else None
            context["status_code"] = complaint.status if complaint else ""
    return render(request, "verification/track.html", context, status=status)
