"""Browser tests of verification: a field visit from assignment to approval, and a
complaint from receipt to answer, checked on the public tracking page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import KELURAHAN_DEPOK
from tests.verification.factories import POOR, in_verification
from verification.models import FieldVisit

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_field_visit_from_assignment_to_approval(
    session, dinsos_operator, puskesos_a, dinkes_officer, colleague_of
):
    application = in_verification("kis-pbi-apbd")
    visit = FieldVisit.objects.get(check_row__application=application)

    operator = session(dinsos_operator)
    operator.goto(f"/verification/visits/{visit.pk}/")
    operator.select_option("#id_assignee", str(puskesos_a.pk))
    operator.click("#assign")
    expect(operator.locator("#assigned-to")).not_to_have_text("—")

    officer = session(puskesos_a)
    officer.set_viewport_size({"width": 390, "height": 844})  # a phone
    officer.goto("/verification/")
    officer.click(f'#visit-queue a[href="/verification/visits/{visit.pk}/"]')
    for code, option in POOR.items():
        officer.check(f'input[name="answer_{code}"][value="{option}"]')
    officer.fill("#id_notes", "Dinding bambu, lantai tanah")
    officer.check('input[name="outcome"][value="pass"]')
    officer.fill("#id_reason", "Sangat miskin sesuai kunjungan")
    officer.click("#record-visit")
    expect(officer.locator("#visit-status")).to_have_attribute("data-status", "done")

    agency = session(dinkes_officer)
    agency.goto(f"/verification/applications/{application.pk}/")
    expect(agency.locator("#check-poverty")).to_have_attribute("data-status", "passed")
    agency.locator("#check-technical").locator('input[name="outcome"][value="pass"]').check()
    agency.locator("#check-technical").locator("#id_reason").fill("Bukan peserta PBI-APBN")
    agency.click("#verdict-technical")
    expect(agency.locator("#check-technical")).to_have_attribute("data-status", "passed")
    approver = session(colleague_of(dinkes_officer))  # four eyes: not the verifier
    approver.goto(f"/programs/applications/{application.pk}/")
    approver.fill("#id_reason", "Verifikasi ganda lengkap")
    approver.click("#act-approve")
    expect(approver.locator("#state")).to_have_attribute("data-state", "approved")


def test_complaint_from_receipt_to_answer_with_public_tracking(session, puskesos_a, page):
    application = in_verification("kis-pbi-apbd")
    officer = session(puskesos_a)
    officer.goto("/verification/complaints/")
    officer.click("#complaint-new")
    officer.select_option("#id_kind", "complaint")
    officer.select_option("#id_category", "exclusion")
    officer.select_option("#id_kelurahan", KELURAHAN_DEPOK)
    officer.fill("#id_registry_number", application.household.registry_number)
    officer.fill("#id_description", "Keluarga kami miskin, tidak menerima bantuan")
    officer.fill("#id_complainant_name", "Bu Siti")
    officer.click("#receive")
    expect(officer.locator("#complaint-status")).to_have_attribute("data-status", "received")
    number = officer.locator("#tracking-number").inner_text().strip()

    page.goto(f"/lacak/?number={number}")  # the resident, not signed in
    expect(page.locator("#track-result")).to_have_attribute("data-status", "received")
    expect(page.locator("body")).not_to_contain_text("Bu Siti")

    officer.select_option("#id_assignee", str(puskesos_a.pk))
    officer.click("#complaint-assign")
    expect(officer.locator("#complaint-status")).to_have_attribute("data-status", "in_progress")
    officer.select_option("#id_outcome", "revisit")
    officer.fill("#id_answer", "Rumah tangga akan dikunjungi ulang minggu ini")
    officer.click("#complaint-answer")
    expect(officer.locator("#complaint-status")).to_have_attribute("data-status", "answered")

    page.goto(f"/lacak/?number={number}")
    expect(page.locator("#track-result")).to_have_attribute("data-status", "answered")
    page.goto("/lacak/?number=ZZZZZZZZZZ")
    expect(page.locator("#track-result")).to_have_attribute("data-found", "false")
