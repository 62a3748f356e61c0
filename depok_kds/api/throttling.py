from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from depok_kds.models import ApiClient


class ApiClientRateThrottle(SimpleRateThrottle):
    """Per-client rate limit: the client's own rate, else the default `api_client` rate."""

    scope = "api_client"

    def allow_request(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiClient) and request.auth.rate:
            self.rate = request.auth.rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiClient):
            return None  # portal users on the browsable API are not throttled
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
