"""Walk the whole URL configuration: every route, now and later, refuses outsiders.

Anonymous visitors, a signed-in user with no role, leadership (aggregates only) and an API
client with no scope must each get a redirect to the login page, 401, 403 or 404, and a
refusal must reveal nothing (no personal data markers in the body).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from depok_kds.models import User

# Routes meant for everyone: the login page, the language switch, the API description.
PUBLIC = {
    "login/",
    "admin/login/",
    "i18n/setlang/",
    "api/schema/",
    "api/docs/",
    "api/redoc/",
    "logout/",
    "lacak/",
    "kartu/kunci.json",
    "kartu/x/",
}
# Routes open to any signed-in portal user, whatever their role.
ANY_SIGNED_IN = {"password/", "password/done/"}
REFUSALS = {301, 302, 401, 403, 404, 405}


def _routes(patterns=None, prefix: str = "") -> Iterator[str]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _concrete(route: str) -> str | None:
    """A request path for a route: converters get a sample value; regex routes are skipped."""
    if route.startswith("^") or "(?P" in route:
        return None
    path = re.sub(r"<int:[^>]+>", "1", route)
    path = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000001", path)
    path = re.sub(r"<(?:str|slug|path:)?[^>]*>", "x", path)
    return "/" + path


ROUTES = sorted({p for r in _routes() if (p := _concrete(r))})


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "login" in response.get("Location", "")


def _check(response, path: str) -> None:
    assert response.status_code in REFUSALS, f"{path} answered {response.status_code}"
    if response.status_code in (301, 302):
        assert _is_login_redirect(response) or response["Location"].startswith("/"), path
    body = response.content.decode(errors="replace")
    assert not re.search(r"\b3\d{15}\b", body), f"{path} revealed a NIK-like number"


def _protected(path: str) -> bool:
    route = path.lstrip("/")
    return route not in PUBLIC and route not in ANY_SIGNED_IN and not route.startswith("static/")


@pytest.mark.parametrize("path", [p for p in ROUTES if _protected(p)])
def test_anonymous_visitor_is_refused(db, path):
    client = Client()
    for method in ("get", "post"):
        _check(getattr(client, method)(path), path)


@pytest.mark.parametrize("path", [p for p in ROUTES if _protected(p)])
def test_user_without_a_role_is_refused(db, path):
    client = Client()
    client.force_login(User.objects.create_user("tanpa.peran", password="x-pass-2026"))
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        if path.startswith("/api/v1/") and response.status_code == 200:
            pytest.fail(f"{path} served a user with no role")
        _check(response, path)


@pytest.mark.parametrize("path", [p for p in ROUTES if _protected(p) and not p.startswith("/api/")])
def test_leadership_is_refused_person_level_pages(db, leader, path):
    if path in ALLOWED_FOR_LEADERSHIP:
        pytest.skip("an aggregate page")
    client = Client()
    client.force_login(leader)
    _check(client.post(path), path)


# Pages leadership may open: they show aggregates only.
ALLOWED_FOR_LEADERSHIP = {"/", "/jobs/", "/jobs/1/"}


@pytest.mark.parametrize("path", [p for p in ROUTES if p.startswith("/api/v1/")])
def test_api_client_without_scopes_is_refused(db, api_client_factory, path):
    _, key = api_client_factory([])
    client = Client(headers={"Authorization": f"Bearer {key}"})
    for method in ("get", "post"):
        _check(getattr(client, method)(path), path)


@pytest.mark.parametrize("path", [p for p in ROUTES if _protected(p) and not p.startswith("/api/")])
def test_api_keys_do_not_open_portal_pages(db, api_client_factory, path):
    _, key = api_client_factory(["registry:read", "pii:read", "jobs:read"])
    client = Client(headers={"Authorization": f"Bearer {key}"})
    _check(client.get(path), path)


def test_the_walk_covers_the_known_routes():
    assert {"/", "/jobs/1/", "/audit/", "/api/v1/jobs/1/"} <= set(ROUTES)
