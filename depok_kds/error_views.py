"""Error pages in the portal layout, and the standard error body under /api/."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from depok_kds.api.errors import error_body
from depok_kds.outage import DATABASE_DOWN, service_unavailable


def _error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, message), status=status)
    return render(request, f"{status}.html", status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "not_found", "Not found.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "permission_denied", "You do not have permission for this.")


def server_error(request: HttpRequest) -> HttpResponse:
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):  # raised outside a view, e.g. a middleware
        return service_unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", "Internal error."), status=500)
    # Rendered without context processors: the database may be what failed.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def nul_refused(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        message = "The request holds a NUL character; no field may hold one."
        return JsonResponse(error_body("nul_character", message), status=400)
    # Rendered without context processors: it may be refused before the user is known.
    return HttpResponse(loader.get_template("400.html").render(), status=400)
