"""While the database is unreachable, requests get a clear 503, not a server error.

A restarted or unreachable PostgreSQL raises OperationalError (or InterfaceError on a
connection that broke): the portal answers with a "temporarily unavailable" page and the
API with its error body, both with Retry-After. Nothing here touches the database, and
nothing needs to be done afterwards: the next request opens a fresh connection
(CONN_HEALTH_CHECKS drops a broken persistent one first).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from depok_kds.api.errors import error_body

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 15


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer: the API's error body under /api/, else a page without the database."""
    message = _("The service is temporarily unavailable. Please try again in a moment.")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("service_unavailable", message), status=503)
    else:
        # Rendered without context processors: they would ask the database for the user.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view (or DRF endpoint) that finds the database unreachable answers 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_DOWN):
            return None
        logger.warning("Database unavailable on %s: %s", request.path, exception)
        return service_unavailable(request)
