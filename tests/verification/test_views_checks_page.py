"""The verification page offers each user only what they can complete, each check with its
own fields; files stay appendable after a verdict, each with its audit row."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from depok_kds.models import AuditEntry
from tests.verification.factories import check_of, in_verification
from verification.models import Evidence
from verification.services import verdict_record

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _panels(user, application):
    response = _client(user).get(f"/verification/applications/{application.pk}/")
    assert response.status_code == 200
    return {p.view.check.kind: p for p in response.context["panels"]}


def test_agency_officer_gets_only_the_technical_form_without_house_fields(dinkes_officer):
    application = in_verification("kis-pbi-apbd")
    panels = _panels(dinkes_officer, application)
    assert panels["poverty"].verdict_form is None
    technical = panels["technical"].verdict_form
    assert technical is not None
    assert "roof" not in technical.fields and "walls" not in technical.fields
    assert "document" in technical.fields


def test_rtlh_technical_check_asks_for_the_house(disrumkim_officer):
    application = in_verification("rtlh")
    technical = _panels(disrumkim_officer, application)["technical"].verdict_form
    assert technical is not None
    assert {"roof", "floor", "walls", "land_status"} <= set(technical.fields)
    assert "document" not in technical.fields


def test_dinsos_operator_gets_only_the_poverty_form(dinsos_operator):
    panels = _panels(dinsos_operator, in_verification("kis-pbi-apbd"))
    assert panels["poverty"].verdict_form is not None
    assert panels["technical"].verdict_form is None
    assert panels["identity"].verdict_form is None


def test_an_invalid_verdict_keeps_the_page_and_names_the_field(dinkes_officer):
    application = in_verification("kis-pbi-apbd")
    check = check_of(application, "technical")
    response = _client(dinkes_officer).post(
        f"/verification/checks/{check.pk}/verdict/",
        {"check": check.pk, "outcome": "pass", "document": "Kartu BPJS"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="error-summary"' in body
    assert 'value="Kartu BPJS"' in body


def test_findings_read_as_words(disrumkim_officer):
    application = in_verification("rtlh")
    verdict_record(
        actor=disrumkim_officer,
        check_id=check_of(application, "technical").pk,
        passed=True,
        reason="Rumah tidak layak",
        findings={"roof": "severe"},
    )
    panels = _panels(disrumkim_officer, application)
    assert panels["technical"].findings == ["Atap: Rusak berat"]


def test_evidence_can_be_added_after_the_verdict_with_its_audit_row(dinkes_officer):
    application = in_verification("kis-pbi-apbd")
    check = check_of(application, "technical")
    verdict_record(actor=dinkes_officer, check_id=check.pk, passed=True, reason="Sesuai")
    assert _panels(dinkes_officer, application)["technical"].evidence_form is not None
    response = _client(dinkes_officer).post(
        f"/verification/checks/{check.pk}/evidence/",
        {"kind": "photo", "file": SimpleUploadedFile("foto.png", PNG, "image/png")},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(check_row=check)
    assert AuditEntry.objects.filter(
        action="verification.evidence_add", target_id=str(evidence.pk)
    ).exists()


def test_other_agency_and_outsiders_get_no_forms(disrumkim_officer, leader, puskesos_b):
    application = in_verification("kis-pbi-apbd")
    url = f"/verification/applications/{application.pk}/"
    assert _client(disrumkim_officer).get(url).status_code == 404
    assert _client(puskesos_b).get(url).status_code == 404
    assert _client(leader).get(url).status_code in (403, 404)
