from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from depok_kds.models import ApiClient


def scope_required(scope: str, *, perm: str | None = None) -> type[BasePermission]:
    """Permission class: API clients need `scope`; portal (session) users need `perm`.

    A session user without `perm` is refused; with `perm=None`, any authenticated portal
    user passes (row scoping still applies in the selectors).
    """

    class HasScope(BasePermission):
        message = f"This endpoint needs the {scope} scope."

        def has_permission(self, request: Request, view: Any) -> bool:
            if not request.user or not request.user.is_authenticated:
                return False
            if isinstance(request.auth, ApiClient):
                return scope in request.auth.scopes
            if hasattr(request.user, "api_client"):
                return False
            return perm is None or request.user.has_perm(perm)

    HasScope.__name__ = f"HasScope_{scope.replace(':', '_')}"
    return HasScope


class ApiDocsPermission(BasePermission):
    """The schema and docs pages: anyone when KDS_API_DOCS_PUBLIC, else signed-in callers."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if settings.KDS_API_DOCS_PUBLIC:
            return True
        return bool(request.user and request.user.is_authenticated)
