"""Portal pages: the verdict form answers 403 to the wrong agency or kelurahan, the visit
form records the assessment and the verdict, evidence is checked and served with access,
complaints are received and tracked on the public page."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from depok_kds.models import AuditEntry
from tests.verification.factories import POOR, check_of, in_verification
from verification.models import Check, Complaint, Evidence, FieldVisit
from verification.services import complaint_receive

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"x" * 64


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_verdict_by_the_wrong_agency_answers_403(disrumkim_officer):
    application = in_verification()
    response = _client(disrumkim_officer).post(
        f"/verification/checks/{check_of(application, 'technical').pk}/verdict/",
        {"outcome": "pass", "reason": "x"},
    )
    assert response.status_code in (403, 404)  # Dinkes's check: not even visible to Disrumkim
    assert check_of(application, "technical").status == "pending"


def test_verdict_by_the_wrong_kelurahan_answers_403(puskesos_b, dinkes_officer):
    application = in_verification()
    # Dinkes sees the check; a Puskesos officer of another kelurahan does not even see it.
    response = _client(puskesos_b).post(
        f"/verification/checks/{check_of(application, 'poverty').pk}/verdict/",
        {"outcome": "pass", "reason": "x"},
    )
    assert response.status_code == 404
    response = _client(dinkes_officer).post(
        f"/verification/checks/{check_of(application, 'poverty').pk}/verdict/",
        {"outcome": "pass", "reason": "x"},
    )
    assert response.status_code == 403


def test_visit_form_records_assessment_and_poverty_verdict(puskesos_a):
    application = in_verification()
    visit = FieldVisit.objects.get(check_row__application=application)
    client = _client(puskesos_a)
    page = client.get(f"/verification/visits/{visit.pk}/")
    assert page.status_code == 200 and b'name="viewport"' in page.content
    data = {f"answer_{k}": v for k, v in POOR.items()}
    from registry.selectors import ruleset_active

    data |= {
        "ruleset_version": ruleset_active().version,
        "assessed_on": "",
        "notes": "Rumah bambu",
        "latitude": "-6.402484",
        "longitude": "106.794243",
        "outcome": "pass",
        "reason": "Sangat miskin",
    }
    data["assessed_on"] = __import__("django.utils.timezone").utils.timezone.localdate().isoformat()
    response = client.post(f"/verification/visits/{visit.pk}/", data)
    assert response.status_code == 302, response.content[:500]
    visit.refresh_from_db()
    assert visit.status == "done" and visit.assessment.source == "field_visit"
    assert check_of(application, "poverty").status == Check.Status.PASSED


@override_settings(KDS_EVIDENCE_MAX_BYTES=100)
def test_evidence_type_and_size_are_checked_and_served_only_in_scope(
    puskesos_a, puskesos_b, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    visit = FieldVisit.objects.get(check_row__application=in_verification())
    client = _client(puskesos_a)
    url = f"/verification/visits/{visit.pk}/evidence/"
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = client.post(
        url, {"kind": "photo", "file": SimpleUploadedFile("x.jpg", b"MZ" + b"0" * 20)}
    )
    # A refused file: the page again, the reason at the file's field, the kind kept.
    assert bad.status_code == 200 and not Evidence.objects.exists()
    assert bad.context["evidence_form"].errors["file"]
    assert bad.context["evidence_form"]["kind"].value() == "photo"
    big = client.post(url, {"kind": "photo", "file": SimpleUploadedFile("x.png", PNG * 3)})
    assert big.status_code == 200 and not Evidence.objects.exists()
    assert big.context["evidence_form"].errors["file"]
    ok = client.post(url, {"kind": "photo", "file": SimpleUploadedFile("rumah.png", PNG)})
    assert ok.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.content_type == "image/png"
    assert (tmp_path / "evidence" / evidence.stored_name).read_bytes() == PNG
    served = client.get(f"/verification/evidence/{evidence.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert _client(puskesos_b).get(f"/verification/evidence/{evidence.pk}/").status_code == 404


def test_complaint_received_then_tracked_publicly(puskesos_a):
    client = _client(puskesos_a)
    from registry.models import Household

    household = in_verification().household
    response = client.post(
        "/verification/complaints/new/",
        {
            "kind": "complaint",
            "category": "exclusion",
            "kelurahan": household.kelurahan_id,
            "registry_number": household.registry_number,
            "description": "Kami miskin, tidak dapat apa-apa",
            "complainant_name": "Bu Siti",
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.household_id == household.pk and complaint.status == "received"
    public = Client()
    found = public.get("/lacak/", {"number": complaint.tracking_number})
    assert b'data-found="true"' in found.content and b'data-status="received"' in found.content
    assert b"Bu Siti" not in found.content and b"miskin" not in found.content
    unknown = public.get("/lacak/", {"number": "ZZZZZZZZZZ"})
    garbage = public.get("/lacak/", {"number": "1"})
    assert unknown.status_code == garbage.status_code == 200
    assert b'data-found="false"' in unknown.content and b'data-found="false"' in garbage.content
    del Household


@override_settings(KDS_TRACKING_LOOKUPS=3)
def test_public_tracking_is_rate_limited():
    public = Client(REMOTE_ADDR="10.9.9.9")
    codes = [public.get("/lacak/", {"number": "ABCDEFGHJK"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_inclusion_complainant_is_hidden_except_from_dinsos_admin_and_access_is_logged(
    puskesos_a, dinsos_operator, dinsos_admin
):
    household = in_verification().household
    complaint = complaint_receive(
        actor=puskesos_a,
        kind="complaint",
        category="inclusion",
        channel="puskesos",
        description="Penerima ini kaya",
        household_id=household.pk,
        complainant_name="Pak Rahasia",
    )
    for user in (puskesos_a, dinsos_operator):
        page = _client(user).get(f"/verification/complaints/{complaint.pk}/")
        assert page.status_code == 200 and b"Pak Rahasia" not in page.content
    page = _client(dinsos_admin).get(f"/verification/complaints/{complaint.pk}/")
    assert b"Pak Rahasia" in page.content
    logged = AuditEntry.objects.filter(action="pii.view", target_type="verification.complaint")
    assert logged.count() == 1
    api = _client(dinsos_admin).get(f"/api/v1/verification/complaints/{complaint.pk}/")
    assert api.json()["complainant_name"] == "Pak Rahasia"
    assert logged.count() == 2  # the API's view is logged as the portal's is


@pytest.mark.parametrize(
    "persona", ["leader", "disrumkim_officer", "auditor_user", "dinsos_operator"]
)
def test_oversight_page_for_aggregate_roles(request, persona):
    in_verification("rtlh")
    in_verification("kis-pbi-apbd")
    response = _client(request.getfixturevalue(persona)).get("/verification/oversight/")
    assert response.status_code == 200 and b"<svg" in response.content
    assert b'data-agency="DISRUMKIM"' in response.content
    # an agency officer sees only their own agency's pipeline
    assert (b'data-agency="DINKES"' in response.content) == (persona != "disrumkim_officer")


def test_leadership_sees_no_case_pages(leader):
    application = in_verification()
    client = _client(leader)
    assert client.get("/verification/").status_code == 403
    assert client.get(f"/verification/applications/{application.pk}/").status_code == 403
    assert client.get("/verification/complaints/").status_code == 403


def test_a_resolution_without_reason_shows_its_form_again(
    puskesos_a, disrumkim_officer, dinsos_admin
):
    from verification.models import Resolution
    from verification.services import verdict_record

    application = in_verification("rtlh")
    verdict_record(
        actor=puskesos_a,
        check_id=check_of(application, "poverty").pk,
        passed=False,
        reason="Tidak miskin",
    )
    verdict_record(
        actor=disrumkim_officer,
        check_id=check_of(application, "technical").pk,
        passed=True,
        reason="Atap rusak berat",
        findings={"roof": "severe"},
    )
    resolution = Resolution.objects.get(application=application)
    response = _client(dinsos_admin).post(
        f"/verification/resolutions/{resolution.pk}/", {"outcome": "pass", "reason": "  "}
    )
    assert response.status_code == 200
    ((shown, form),) = response.context["rows"]
    assert shown.pk == resolution.pk and form.errors["reason"]
    assert form["outcome"].value() == "pass"
    assert f'id="id_r{resolution.pk}_reason"'.encode() in response.content
    assert b'id="error-summary"' in response.content
    resolution.refresh_from_db()
    assert resolution.resolved_by_id is None
