"""What every portal view needs: a signed-in user with a role, and optionally a permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from depok_kds.access import user_roles
from depok_kds.models import User
from depok_kds.roles import Role

View = Callable[..., HttpResponse]


class PortalRequest(HttpRequest):
    """The request as portal views see it (HtmxMiddleware adds `htmx`)."""

    htmx: HtmxDetails
    user: User  # portal_view lets only signed-in users through


def portal_view(perm: str | None = None) -> Callable[[View], View]:
    """Require login, a portal role (API service users are refused) and `perm` if given."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            roles = user_roles(user)
            if Role.API_CLIENT in roles or not (roles or user.is_superuser):
                raise PermissionDenied
            if perm is not None and not user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def list_again(request: HttpRequest, default: str) -> tuple[QueryDict, dict[str, str]]:
    """A list page shown again after a refused POST from it: the list's query (its filters
    and page, from the posted `next`), and the context that points the pager and the
    `next` of its forms back at the list rather than at the POST's address."""
    back = next_url(request, default)
    parts = urlsplit(back)
    query = QueryDict(parts.query)
    others = query.copy()
    others.pop("page", None)
    return query, {"back": back, "pager_path": parts.path, "pager_query": others.urlencode()}


def next_url(request: HttpRequest, default: str) -> str:
    """The `next` of a posted form if it stays on this site (no open redirect), else
    `default` (a URL or a URL name)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)
