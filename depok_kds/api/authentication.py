from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from depok_kds.api_clients import api_client_for_key, api_client_touch
from depok_kds.models import ApiClient


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer kds_…` — the client acts as its own service user."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiClient] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        client = api_client_for_key(header[1].decode(errors="replace"))
        if client is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        # Seen by ApiCallLogMiddleware, which runs outside DRF's request wrapper.
        request._request.kds_api_client = client  # type: ignore[attr-defined]
        api_client_touch(client=client)
        return client.user, client

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
