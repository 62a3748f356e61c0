"""Training's own page: recording a participant's attendance and completion."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from depok_kds.forms import refusals_on
from depok_kds.portal import PortalRequest, portal_view
from programs.selectors import application_list
from programs.training.forms import AttendanceForm
from programs.training.models import TrainingDetail
from programs.training.services import training_attendance_record


@portal_view(perm="programs.decide_application")
def attendance(request: PortalRequest, pk: int) -> HttpResponse:
    application = application_list(user=request.user).filter(pk=pk).first()
    detail = TrainingDetail.objects.filter(application_id=pk).first() if application else None
    if detail is None:
        raise Http404
    initial = {"sessions_attended": detail.sessions_attended, "completed": detail.completed}
    form = AttendanceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusals_on(form):
            training_attendance_record(actor=request.user, application_id=pk, **form.cleaned_data)
            messages.success(request, _("Attendance recorded."))
            return redirect("programs:application", pk=pk)
    return render(
        request, "programs/training_attendance.html", {"form": form, "application": application}
    )
