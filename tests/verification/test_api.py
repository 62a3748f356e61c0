"""API: checks (blind mode applied), verdicts (403 for the wrong agency), visits, complaints."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import KELURAHAN_DEPOK, KELURAHAN_TUGU
from tests.verification.factories import check_of, in_verification

pytestmark = pytest.mark.django_db


def _api(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_agency_client_records_its_technical_verdict_once(api_client_factory):
    application = in_verification()
    _, key = api_client_factory(["verification:read", "verification:write"], agency_code="DINKES")
    api = _api(key)
    listed = api.get(f"/api/v1/verification/applications/{application.pk}/checks/")
    assert listed.status_code == 200
    assert {c["kind"] for c in listed.json()} == {"poverty", "technical", "identity"}
    url = f"/api/v1/verification/checks/{check_of(application, 'technical').pk}/verdict/"
    body = {"passed": True, "reason": "Bukan PBI-APBN"}
    assert api.post(url, body, content_type="application/json").status_code == 201
    again = api.post(url, body, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_decided"


def test_wrong_agency_client_gets_403_on_a_visible_check(api_client_factory):
    application = in_verification()
    _, key = api_client_factory(["verification:write"], agency_code="DINKES")
    url = f"/api/v1/verification/checks/{check_of(application, 'poverty').pk}/verdict/"
    response = _api(key).post(url, {"passed": True, "reason": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_read_scope_cannot_write_and_no_scope_cannot_read(api_client_factory):
    application = in_verification()
    _, reader = api_client_factory(["verification:read"])
    url = f"/api/v1/verification/checks/{check_of(application, 'poverty').pk}/verdict/"
    assert _api(reader).post(url, {"passed": True, "reason": "x"}).status_code == 403
    _, nothing = api_client_factory(["registry:read"])
    assert _api(nothing).get("/api/v1/verification/complaints/").status_code == 403


def test_complaint_through_the_api_and_kelurahan_scope(api_client_factory):
    in_verification(kelurahan=KELURAHAN_TUGU)
    _, key = api_client_factory(
        ["verification:read", "verification:write"], kelurahan_codes=[KELURAHAN_DEPOK]
    )
    api = _api(key)
    created = api.post(
        "/api/v1/verification/complaints/",
        {
            "kind": "appeal",
            "category": "data_error",
            "description": "Desil salah",
            "kelurahan_code": KELURAHAN_DEPOK,
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["channel"] == "api" and len(created.json()["tracking_number"]) == 10
    outside = api.post(
        "/api/v1/verification/complaints/",
        {
            "kind": "appeal",
            "category": "data_error",
            "description": "x",
            "kelurahan_code": KELURAHAN_TUGU,
        },
        content_type="application/json",
    )
    assert outside.status_code == 403
    assert [
        v["kelurahan_code"] for v in api.get("/api/v1/verification/visits/").json()["results"]
    ] == []


def test_visit_evidence_refuses_a_wrong_type(api_client_factory, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    application = in_verification()
    visit = application.checks.get(kind="poverty").visit
    _, key = api_client_factory(["verification:write"], kelurahan_codes=[KELURAHAN_DEPOK])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = _api(key).post(
        f"/api/v1/verification/visits/{visit.pk}/evidence/",
        {"kind": "photo", "file": SimpleUploadedFile("a.gif", b"GIF89a....")},
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "file_type"


def test_a_complaint_with_overlong_fields_is_refused_not_a_server_error(api_client_factory):
    _, key = api_client_factory(["verification:read", "verification:write"])
    response = _api(key).post(
        "/api/v1/verification/complaints/",
        {
            "kind": "appeal",
            "category": "inclusion",
            "description": "Keluarga kami tidak menerima bantuan.",
            "kelurahan_code": "3" * 40,
            "complainant_name": "x" * 151,
            "household": 2**70,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert {"kelurahan_code", "complainant_name", "household"} <= set(details)
