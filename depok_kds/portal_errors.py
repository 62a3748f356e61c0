from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from depok_kds.errors import DomainError


class DomainErrorMiddleware:
    """A refused use case in a portal page becomes a message on the page the user came from.

    The last resort: a form with typed input shows its own refusal at the field with what
    was typed (`depok_kds.forms.refusals_on`), because this redirect loses the input. What
    reaches here are actions of one button (approve a batch, commit a list, activate a card)
    with nothing typed to lose."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        messages.error(request, str(exception.message))
        back = request.headers.get("referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("dashboard")
        response: HttpResponse = HttpResponseRedirect(back)
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = back
        return response
