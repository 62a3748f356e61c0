"""Indonesian first: the portal speaks Indonesian unless the user switches language.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an officer whose
browser happens to be set to English would get English pages. Here only the user's own
choice (the language switch, stored in a cookie) changes the language. API clients are
other systems, not officers: they keep Accept-Language.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class IndonesianFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Other systems calling the API still choose their language with Accept-Language.
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
