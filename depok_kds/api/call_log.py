from __future__ import annotations

import time
from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse

from depok_kds.log_rows import log_row_insert
from depok_kds.models import ApiCallLog


class ApiCallLogMiddleware:
    """Log every API call that presented a key: client, endpoint, status and duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/") or "authorization" not in request.headers:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        if response.status_code == HTTPStatus.SERVICE_UNAVAILABLE:
            return response  # the database is down: there is nowhere to log the call
        log_row_insert(
            ApiCallLog(
                client=getattr(request, "kds_api_client", None),
                method=request.method or "",
                path=request.path[:300],
                status_code=response.status_code,
                duration_ms=int((time.perf_counter() - started) * 1000),
            )
        )
        return response
