"""Portal pages and API: agency scoping with personas of two agencies and two kelurahan."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from depok_kds.models import AuditEntry
from programs.demo import recipients_seed, scaled, table_scale
from programs.models import Application, Enrolment
from programs.report import recipient_report
from programs.services import application_submit, decree_fix
from tests.programs.factories import KIS, applicant, open_cycle
from tests.registry.factories import KELURAHAN_TUGU

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kept_report() -> None:
    cache.clear()  # the API keeps a report's answer a while: none from another test


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _kis_application(**person):
    cycle = open_cycle("kis-pbi-apbd")
    return application_submit(
        actor=None,
        cycle_id=cycle.pk,
        person_id=applicant(**person).pk,
        channel="puskesos",
        detail=KIS,
    )


def test_agency_officer_sees_only_own_agency_applications(dinkes_officer, disrumkim_officer):
    application = _kis_application()
    url = reverse("programs:application", args=[application.pk])
    assert _client(dinkes_officer).get(url).status_code == 200
    assert _client(disrumkim_officer).get(url).status_code == 404


def test_other_agency_officer_cannot_decide_through_the_portal(disrumkim_officer):
    application = _kis_application()
    response = _client(disrumkim_officer).post(
        reverse("programs:act", args=[application.pk, "verify"]), {"reason": "x"}
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.state == "submitted"


def test_puskesos_sees_applications_of_own_kelurahan_only(puskesos_a, puskesos_b):
    application = _kis_application()
    url = reverse("programs:application", args=[application.pk])
    assert _client(puskesos_a).get(url).status_code == 200
    assert _client(puskesos_b).get(url).status_code == 404


def test_portal_application_submission_decision_and_enrolment(dinkes_officer, colleague_of):
    person = applicant()
    cycle = open_cycle("kis-pbi-apbd")
    client = _client(dinkes_officer)
    response = client.post(
        reverse("programs:apply", args=[cycle.pk]),
        {"nik": person.nik, "channel": "agency", "detail-jkn_segment": "none"},
    )
    application = Application.objects.get(person=person)
    assert response.status_code == 302
    for action in ("verify", "approve"):
        client.post(reverse("programs:act", args=[application.pk, action]), {"reason": "Sesuai"})
    application.refresh_from_db()
    assert application.state == "in_verification"  # four eyes: the proposer cannot approve
    client = _client(colleague_of(dinkes_officer))
    for action in ("approve", "enrol"):
        client.post(reverse("programs:act", args=[application.pk, action]), {"reason": "Sesuai"})
    application.refresh_from_db()
    assert application.state == "enrolled"
    page = client.get(reverse("programs:application", args=[application.pk]))
    assert b'data-rule="kis_pbi_not_pbi_apbn" data-passed="true"' in page.content


def test_decree_exports_pdf_and_xlsx_and_logs_full_nik(dinsos_admin, dinkes_officer):
    application = _kis_application()
    from programs.services import application_approve, application_verification_start

    application_verification_start(actor=dinkes_officer, application_id=application.pk)
    application_approve(actor=dinkes_officer, application_id=application.pk, reason="ok")
    decree = decree_fix(
        actor=dinkes_officer,
        cycle_id=application.cycle_id,
        number="SK/7/2026",
        decreed_on=date(2026, 2, 1),
    )
    client = _client(dinsos_admin)
    pdf = client.get(reverse("programs:decree-export", args=[decree.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("programs:decree-export", args=[decree.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert AuditEntry.objects.filter(action="pii.export", target_type="programs.decree").exists()


def test_report_reproduces_the_table_exactly_with_enough_persons():
    for _ in range(12):
        applicant()
    table = {"kis-pbi-apbd": (10, 12, 11), "rtlh": (3, 0, 5), "pelatihan-keterampilan": (1, 2, 0)}
    assert recipients_seed(table=table) == 1.0
    report = recipient_report()
    counts = {r.programme.code: tuple(r.counts) for r in report.rows}
    assert {code: counts[code] for code in table} == table
    assert counts["santunan-kematian"] == (0, 0, 0)
    kis = next(r for r in report.rows if r.programme.code == "kis-pbi-apbd")
    assert kis.agency == "Dinas Kesehatan" and report.includes_demo


def test_report_scales_the_table_when_the_registry_is_small():
    assert table_scale(27_601) == pytest.approx(0.1, rel=1e-3)
    assert scaled(276_017, table_scale(27_601)) == 27_601
    assert scaled(75, 1.0) == 75


def test_report_filters_by_kelurahan(dinsos_operator):
    for kelurahan in ("32.76.01.1006", KELURAHAN_TUGU, KELURAHAN_TUGU):
        applicant(kelurahan=kelurahan)
    recipients_seed(table={"rtlh": (0, 0, 3)})
    tugu = recipient_report(kelurahan=KELURAHAN_TUGU)
    assert next(r for r in tugu.rows if r.programme.code == "rtlh").counts == [0, 0, 2]
    cimanggis = recipient_report(kecamatan="32.76.02")
    assert next(r for r in cimanggis.rows if r.programme.code == "rtlh").counts == [0, 0, 2]


def test_report_page_and_xlsx_for_leadership(leader, dinkes_officer):
    client = _client(leader)
    page = client.get(reverse("programs:report"))
    assert page.status_code == 200 and b'id="recipients"' in page.content
    assert client.get(reverse("programs:report-xlsx")).content.startswith(b"PK")
    assert client.get(reverse("programs:list")).status_code == 403


def test_api_person_enrolments_masked_without_pii(api_client_factory, dinkes_officer):
    application = _kis_application()
    from programs.services import (
        application_approve,
        application_enrol,
        application_verification_start,
    )

    application_verification_start(actor=dinkes_officer, application_id=application.pk)
    application_approve(actor=dinkes_officer, application_id=application.pk, reason="ok")
    application_enrol(actor=dinkes_officer, application_id=application.pk)
    nik = application.person.nik
    _, key = api_client_factory(["programs:read"])
    client = Client(headers={"Authorization": f"Bearer {key}"})
    body = client.get("/api/v1/programs/enrolments/", {"nik": nik}).json()
    assert body["count"] == 1 and body["results"][0]["nik"] != nik
    listing = client.get(f"/api/v1/programs/cycles/{application.cycle_id}/enrolments/").json()
    assert listing["count"] == 1 and listing["results"][0]["nik"] != nik
    _, pii_key = api_client_factory(["programs:read", "pii:read"])
    full = Client(headers={"Authorization": f"Bearer {pii_key}"})
    assert full.get("/api/v1/programs/enrolments/", {"nik": nik}).json()["results"][0]["nik"] == nik


def test_api_cycle_enrolments_scoped_to_the_client_agency(api_client_factory):
    cycle = open_cycle("kis-pbi-apbd")
    _, key = api_client_factory(["programs:read"], agency_code="DISRUMKIM")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    assert client.get(f"/api/v1/programs/cycles/{cycle.pk}/enrolments/").status_code == 404


def test_api_submit_application_and_refusals(api_client_factory):
    cycle = open_cycle("kis-pbi-apbd")
    person = applicant()
    _, key = api_client_factory(["programs:write"])
    client = Client(headers={"Authorization": f"Bearer {key}"})
    payload = {"cycle": cycle.pk, "nik": person.nik, "channel": "resident", "detail": KIS}
    created = client.post(
        "/api/v1/programs/applications/", payload, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["state"] == "submitted"
    again = client.post("/api/v1/programs/applications/", payload, content_type="application/json")
    assert again.status_code == 409
    apbn = {**payload, "nik": applicant().nik, "detail": {"jkn_segment": "pbi_apbn"}}
    refused = client.post("/api/v1/programs/applications/", apbn, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "not_eligible"
    _, read_only = api_client_factory(["programs:read"])
    reader = Client(headers={"Authorization": f"Bearer {read_only}"})
    assert (
        reader.post(
            "/api/v1/programs/applications/", payload, content_type="application/json"
        ).status_code
        == 403
    )


def test_api_report_shape(api_client_factory):
    _, key = api_client_factory(["programs:read"])
    body = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/programs/report/").json()
    assert body["years"] == [2021, 2022, 2023] and len(body["rows"]) == 10
    assert body["rows"][0]["agency"] == "Dinas Kesehatan"
    assert Enrolment.objects.count() == 0


@pytest.mark.parametrize("years", [",", "2023,dua", ",".join(["2023"] * 11)])
def test_api_report_refuses_a_bad_year_list_with_a_message(api_client_factory, years):
    _, key = api_client_factory(["programs:read"])
    client = Client(headers={"Authorization": f"Bearer {key}"})
    response = client.get("/api/v1/programs/report/", {"years": years})
    assert response.status_code == 400
    assert "2022,2023" in response.json()["error"]["details"]["years"][0]


def test_api_report_of_chosen_years(api_client_factory):
    _, key = api_client_factory(["programs:read"])
    client = Client(headers={"Authorization": f"Bearer {key}"})
    body = client.get("/api/v1/programs/report/", {"years": " 2024, 2025"}).json()
    assert body["years"] == [2024, 2025]


def _report_counts(client: Client) -> dict[str, dict[str, int]]:
    body = client.get("/api/v1/programs/report/", {"years": "2021,2022,2023"}).json()
    return {row["programme"]: row["counts"] for row in body["rows"]}


def test_api_report_answer_is_kept_a_short_while_then_counted_again(api_client_factory):
    _, key = api_client_factory(["programs:read"])
    client = Client(headers={"Authorization": f"Bearer {key}"})
    for _ in range(12):
        applicant()
    assert _report_counts(client)["kis-pbi-apbd"] == {"2021": 0, "2022": 0, "2023": 0}
    recipients_seed(table={"kis-pbi-apbd": (10, 12, 11)})

    # Within the minute: the answer kept; another question is counted afresh.
    assert _report_counts(client)["kis-pbi-apbd"] == {"2021": 0, "2022": 0, "2023": 0}
    other = client.get("/api/v1/programs/report/", {"years": "2023"}).json()
    assert other["rows"][0]["counts"] == {"2023": 11}
    with override_settings(KDS_API_REPORT_CACHE_SECONDS=0):
        cache.clear()
        assert _report_counts(client)["kis-pbi-apbd"] == {"2021": 10, "2022": 12, "2023": 11}


def test_api_report_stays_behind_its_scope(api_client_factory):
    _, key = api_client_factory(["registry:read"])
    _, reader = api_client_factory(["programs:read"])
    Client(headers={"Authorization": f"Bearer {reader}"}).get("/api/v1/programs/report/")

    # A kept answer is no way around the permission.
    refused = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/programs/report/")
    assert refused.status_code == 403
