"""A NUL character anywhere in a request is refused with 400, never a 500 from the database."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from depok_kds.api_clients import SCOPES

pytestmark = pytest.mark.django_db

API_PROBES = [
    "/api/v1/programs/enrolments/?nik=%00",
    "/api/v1/programs/applications/?nik=%00",
    "/api/v1/verification/visits/?status=%00",
    "/api/v1/verification/complaints/?status=%00",
    "/api/v1/overlap/findings/?rule=%00",
    "/api/v1/dukcapil/runs/1/outcomes/?outcome=%00",
    "/api/v1/registry/households/?q=%00",
    "/api/v1/registry/persons/?nik=%00",
    "/api/v1/programs/enrolments/?status=a%00b",
]


@pytest.mark.parametrize("url", API_PROBES)
def test_a_nul_in_an_api_query_is_refused_with_the_api_error_body(api_client_factory, url):
    _client, key = api_client_factory(SCOPES)
    response = Client().get(url, headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "nul_character"


def test_a_nul_in_a_json_body_is_refused(api_client_factory):
    _client, key = api_client_factory(SCOPES)
    response = Client().post(
        "/api/v1/verification/complaints/",
        data=json.dumps({"description": "ada\u0000"}),
        content_type="application/json",
        headers={"authorization": f"Bearer {key}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "nul_character"


def test_a_nul_in_a_portal_page_or_form_is_refused_with_a_page(client: Client, dinsos_operator):
    client.force_login(dinsos_operator)
    page = client.get("/registry/?q=%00")
    assert page.status_code == 400
    assert "NUL" not in page.content.decode() and "<h1>400" in page.content.decode()
    posted = client.post("/registry/", {"note": "a\x00b"})
    assert posted.status_code == 400
    posted = client.post(
        "/registry/", "note=a%00b", content_type="application/x-www-form-urlencoded"
    )
    assert posted.status_code == 400
    assert client.get("/registry/?q=Budi").status_code == 200
