"""Pages and endpoints, and who sees which findings (agency, kelurahan, leadership)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from programs.overlap.models import Finding
from programs.overlap.selectors import finding_list
from tests.conftest import KELURAHAN_TUGU
from tests.overlap.factories import detect, enrol
from tests.programs.factories import applicant

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted() -> dict[str, Finding]:
    """A Dinkes finding (KIS vs PBI-APBN) in Depok and a Disrumkim one (RTLH) in Tugu."""
    from programs.overlap.services import national_list_import

    member = applicant()
    enrol(member, "kis-pbi-apbd")
    national_list_import(
        actor=None,
        kind="pbi_apbn",
        year=2026,
        file_name="a.csv",
        content=f"nik\n{member.nik}\n".encode(),
    )
    head = applicant(kelurahan=KELURAHAN_TUGU)
    enrol(head, "rtlh", year=2024)
    enrol(head, "rtlh", year=2025)
    detect()
    return {
        "dinkes": Finding.objects.get(rule="national_list"),
        "disrumkim": Finding.objects.get(rule="frequency_limit"),
    }


def test_agency_officers_see_only_their_programmes_findings(
    planted, dinkes_officer, disrumkim_officer, dinsos_operator
):
    assert set(finding_list(user=dinkes_officer)) == {planted["dinkes"]}
    assert set(finding_list(user=disrumkim_officer)) == {planted["disrumkim"]}
    assert {planted["dinkes"], planted["disrumkim"]} <= set(finding_list(user=dinsos_operator))


def test_puskesos_sees_findings_of_their_kelurahan_and_leader_sees_none(
    planted, puskesos_a, puskesos_b, leader
):
    assert planted["dinkes"] in set(finding_list(user=puskesos_a))
    assert planted["disrumkim"] not in set(finding_list(user=puskesos_a))
    assert planted["disrumkim"] in set(finding_list(user=puskesos_b))
    assert not finding_list(user=leader).exists()


def test_finding_page_for_the_owner_and_404_for_another_agency(
    client, planted, dinkes_officer, disrumkim_officer
):
    url = reverse("overlap:finding", args=[planted["dinkes"].pk])
    client.force_login(dinkes_officer)
    page = client.get(url)
    assert page.status_code == 200 and b'data-rule="national_list"' in page.content
    client.force_login(disrumkim_officer)
    assert client.get(url).status_code == 404


def test_dismiss_from_the_portal_records_reason_and_history(client, planted, dinkes_officer):
    finding = planted["dinkes"]
    client.force_login(dinkes_officer)
    response = client.post(
        reverse("overlap:finding", args=[finding.pk]),
        {"action": "dismiss", "reason": "BPJS segment already moved"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == "dismissed"
    page = client.get(reverse("overlap:finding", args=[finding.pk]))
    assert b'data-kind="dismissed"' in page.content


def test_household_page_shows_its_findings(client, planted, dinsos_operator):
    client.force_login(dinsos_operator)
    page = client.get(reverse("registry:household", args=[planted["disrumkim"].household_id]))
    assert page.status_code == 200
    assert b'id="household-findings"' in page.content
    assert b'data-rule="frequency_limit"' in page.content


def test_report_for_leadership_and_xlsx(client, leader):
    rich = applicant(desil=9, poverty_class="tidak_miskin")
    enrol(rich, "pendidikan-sd")
    applicant(desil=2)
    detect()
    client.force_login(leader)
    page = client.get(reverse("overlap:report"))
    assert page.status_code == 200
    assert b'data-inclusion="1"' in page.content
    assert client.get(reverse("overlap:list")).status_code == 403
    xlsx = client.get(reverse("overlap:report-xlsx"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_ledger_shows_what_a_household_received(client, dinsos_operator):
    head = applicant()
    enrol(head, "rtlh", year=2025)
    enrol(head, "kis-pbi-apbd", year=2026)
    client.force_login(dinsos_operator)
    page = client.get(reverse("overlap:ledger"), {"household": head.household_id})
    assert page.content.count(f'data-household="{head.household_id}"'.encode()) == 2


def test_detection_from_the_portal_starts_a_job(
    client, dinsos_operator, django_capture_on_commit_callbacks
):
    client.force_login(dinsos_operator)
    response = client.post(reverse("overlap:detect"), {"year": 2026})
    assert response.status_code == 302 and "/jobs/" in response["Location"]


def test_a_year_out_of_range_shows_the_detection_form_again(client, dinsos_operator):
    client.force_login(dinsos_operator)
    response = client.post(reverse("overlap:detect"), {"year": 2014})
    assert response.status_code == 200
    assert response.context["detection_form"].errors["year"]
    assert b'id="error-summary"' in response.content and b'value="2014"' in response.content


def test_agency_officer_may_not_run_city_wide(client, dinkes_officer):
    client.force_login(dinkes_officer)
    assert client.post(reverse("overlap:detect"), {"year": 2026}).status_code == 403


# --- API -----------------------------------------------------------------------------------


def _api(factory, scopes: list[str], **scope: str) -> Client:
    _client, key = factory(scopes, **scope)
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_api_findings_scoped_to_the_clients_agency(planted, api_client_factory):
    client = _api(api_client_factory, ["programs:read"], agency_code="DISRUMKIM")
    body = client.get(reverse("overlap_api:findings")).json()
    assert [r["id"] for r in body["results"]] == [planted["disrumkim"].pk]
    assert (
        client.get(reverse("overlap_api:finding", args=[planted["dinkes"].pk])).status_code == 404
    )


def test_api_needs_the_scope(planted, api_client_factory):
    client = _api(api_client_factory, ["registry:read"])
    assert client.get(reverse("overlap_api:findings")).status_code == 403


def test_api_decision_and_report(planted, api_client_factory):
    client = _api(api_client_factory, ["programs:read", "programs:write"], agency_code="DINKES")
    url = reverse("overlap_api:decide", args=[planted["dinkes"].pk])
    assert (
        client.post(
            url, {"action": "dismiss", "reason": ""}, content_type="application/json"
        ).status_code
        == 400
    )
    response = client.post(
        url, {"action": "confirm", "reason": "checked"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    report = client.get(reverse("overlap_api:report")).json()
    assert "by_area" in report


def test_ledger_accepts_the_registry_number(client, dinsos_operator, puskesos_b):
    head = applicant()
    enrol(head, "rtlh", year=2025)
    number = head.household.registry_number
    client.force_login(dinsos_operator)
    page = client.get(reverse("overlap:ledger"), {"household": number.lower()})
    assert page.content.count(f'data-household="{head.household_id}"'.encode()) == 1
    assert number.encode() in page.content
    client.force_login(puskesos_b)
    assert client.get(reverse("overlap:ledger"), {"household": number}).status_code in (403, 404)
