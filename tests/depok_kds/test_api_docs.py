"""Who may read the API schema and its docs pages (KDS_API_DOCS_PUBLIC)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings

DOC_PATHS = ["/api/schema/", "/api/docs/", "/api/redoc/"]


@pytest.mark.parametrize("path", DOC_PATHS)
@override_settings(KDS_API_DOCS_PUBLIC=False)
def test_closed_docs_refuse_an_anonymous_visitor(client, db, path):
    assert client.get(path).status_code in {401, 403}


@pytest.mark.parametrize("path", DOC_PATHS)
@override_settings(KDS_API_DOCS_PUBLIC=False)
def test_closed_docs_open_to_a_signed_in_user(client, path, puskesos_a):
    client.force_login(puskesos_a)
    assert client.get(path).status_code == 200


@override_settings(KDS_API_DOCS_PUBLIC=False)
def test_closed_schema_opens_to_an_api_key_of_any_scope(client, api_client_factory):
    _api, key = api_client_factory(["registry:read"])
    response = client.get("/api/schema/", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


@override_settings(KDS_API_DOCS_PUBLIC=False)
def test_closed_schema_refuses_a_revoked_or_wrong_key(client, db):
    response = client.get("/api/schema/", headers={"Authorization": "Bearer kds_no_such"})
    assert response.status_code == 401


@pytest.mark.parametrize("path", DOC_PATHS)
@override_settings(KDS_API_DOCS_PUBLIC=True)
def test_open_docs_serve_anyone(client, db, path):
    assert client.get(path).status_code == 200


def _docs_public(**env: str) -> str:
    """KDS_API_DOCS_PUBLIC as the production profile computes it."""
    environment = {
        **{k: v for k, v in os.environ.items() if k != "KDS_API_DOCS_PUBLIC"},
        "KDS_PROFILE": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "kds.example.go.id",
        **env,
    }
    code = "from django.conf import settings; print(settings.KDS_API_DOCS_PUBLIC)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "depok_kds.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_production_closes_the_docs_unless_a_setting_opens_them():
    assert _docs_public() == "False"
    assert _docs_public(KDS_API_DOCS_PUBLIC="true") == "True"


def test_the_docs_pages_load_their_scripts_from_the_server(client, db):
    for path in ("/api/docs/", "/api/redoc/"):
        page = client.get(path).content.decode()
        assert "cdn.jsdelivr.net" not in page
        assert "fonts.googleapis.com" not in page
        assert "/static/drf_spectacular_sidecar/" in page
