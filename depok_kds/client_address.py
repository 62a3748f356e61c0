"""The client's address behind production's reverse proxy.

docker-compose puts a TLS-terminating proxy in front of the web service, so every request
comes from the proxy's address. With KDS_TRUSTED_PROXIES = N (how many proxies stand in
front, each appending the address it saw to X-Forwarded-For), the client is the N-th address
from the right of that header, and REMOTE_ADDR is set to it for the rest of the request: the
audit trail records it and the public tracking page limits each visitor by it. With 0
(development, tests) the header is ignored: anyone can send one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ClientAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        proxies = settings.KDS_TRUSTED_PROXIES
        if proxies:
            header = request.META.get("HTTP_X_FORWARDED_FOR", "")
            seen = [address.strip() for address in header.split(",") if address.strip()]
            if len(seen) >= proxies:
                request.META["REMOTE_ADDR"] = seen[-proxies]
        return self.get_response(request)
