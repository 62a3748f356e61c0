"""Requests holding a NUL character are refused with 400, before any view runs.

PostgreSQL cannot store or compare a text with a NUL in it: a `%00` in a filter of a list
reached the database and answered 500 on many endpoints, and a NUL in a form could do the
same. No field of the registry may hold one, so the request is refused whole, in one place:
its path, its query string, the fields of a form and a JSON body (a JSON `\\u0000` included).
An uploaded file is read by the import, which refuses a NUL with the row it is on.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from depok_kds.error_views import nul_refused

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class NulRefusalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request):
            return nul_refused(request)
        return self.get_response(request)


def _holds_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path_info:
        return True
    if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    if request.content_type in _FORMS:
        try:
            fields = list(request.POST.lists())
        except (MultiPartParserError, OSError):
            return False  # left to Django, which refuses a broken form itself
        return any("\x00" in name or any("\x00" in v for v in values) for name, values in fields)
    if request.content_type == "application/json" and _small(request):
        body = request.body
        return b"\x00" in body or b"\\u0000" in body.lower()
    return False


def _small(request: HttpRequest) -> bool:
    """A body Django would read whole anyway; a larger one is left to its parser."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return limit is None or length <= limit
