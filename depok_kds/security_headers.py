"""Content-Security-Policy and Permissions-Policy on every response.

Scripts come only from this server's own files (htmx is served from static files): no inline
script, no `on...=` attribute, no eval, so an injected `<script>` or handler does not run.
Production sends the policy; development sends it as Report-Only, so a page that breaks it
shows the browser's warning during work instead of failing only in production. Permissions
not used by the portal (camera, microphone, payment...) are off; geolocation is allowed for
this site, for the field visit's "use my location".
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.KDS_CONTENT_SECURITY_POLICY
        if policy:
            header = (
                "Content-Security-Policy-Report-Only"
                if settings.KDS_CSP_REPORT_ONLY
                else "Content-Security-Policy"
            )
            response.headers.setdefault(header, policy)
        if settings.KDS_PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.KDS_PERMISSIONS_POLICY)
        return response
