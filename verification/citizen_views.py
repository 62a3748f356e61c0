"""The citizens' public pages, no login: the self-check (/warga/cek/) and the objection or
complaint form (/warga/sanggah/). Rate-limited per client address and per NIK."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from verification.citizen_forms import ObjectionForm, SelfCheckForm
from verification.models import PublicLookup
from verification.services import objection_refused, objection_submit, public_limited, self_check

# Larger than any honest form (the reason is at most 2,000 characters): refused unread.
BODY_MAX_BYTES = 16 * 1024


def _address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@never_cache
@require_http_methods(["GET", "POST"])
def self_check_page(request: HttpRequest) -> HttpResponse:
    """Whether the person both factors name is registered, their desil band and this year's
    programmes; anything else gets one neutral answer."""
    form = SelfCheckForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form, "checked": False}
    status = 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        kind = PublicLookup.Kind.SELF_CHECK
        if public_limited(kind=kind, nik=data["nik"], client_address=_address(request)):
            context["limited"] = True
            status = 429
        else:
            context["checked"] = True
            context["form"] = SelfCheckForm()  # the NIK typed is not shown again
            context["answer"] = self_check(
                nik=data["nik"],
                name=data["name"],
                kk=data["kk"],
                client_address=_address(request),
            )
    return render(request, "verification/self_check.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def objection_page(request: HttpRequest) -> HttpResponse:
    """Receive an objection or complaint and give its tracking number."""
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > BODY_MAX_BYTES:
        return render(request, "verification/objection.html", {"refused": True}, status=413)
    form = ObjectionForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form}
    status = 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        address = _address(request)
        if data["website"]:
            objection_refused(nik=data["nik"], client_address=address)
            return render(request, "verification/objection.html", {"refused": True}, status=400)
        if public_limited(
            kind=PublicLookup.Kind.OBJECTION, nik=data["nik"], client_address=address
        ):
            context["limited"] = True
            status = 429
        else:
            context["complaint"] = objection_submit(
                topic=data["topic"],
                nik=data["nik"],
                name=data["name"],
                kelurahan_code=data["kelurahan"].code,
                contact=data["contact"],
                reason=data["reason"],
                client_address=address,
            )
    return render(request, "verification/objection.html", context, status=status)
