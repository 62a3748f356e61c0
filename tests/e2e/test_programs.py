"""An agency officer takes a KIS PBI application from submission to enrolment in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from programs.models import Programme
from tests.programs.factories import applicant, open_cycle

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _no_approval_gates(monkeypatch):
    """The programme flow alone; the verification suite drives the gated flow in a browser."""
    from programs import services

    monkeypatch.setattr(services, "APPROVAL_GATES", [])


def test_application_from_submission_to_enrolment(dinkes_officer, page, login):
    # One officer walks the whole flow here; four eyes are tested in the programme suite.
    Programme.objects.filter(code="kis-pbi-apbd").update(four_eyes=False)
    person = applicant()
    cycle = open_cycle("kis-pbi-apbd")
    login(dinkes_officer)
    page.goto(f"/programs/cycles/{cycle.pk}/")
    page.click("#apply")
    page.fill("#id_nik", person.nik)
    page.select_option("#id_channel", "agency")
    page.select_option("#id_detail-jkn_segment", "pbpu")
    page.click("#submit-application")
    expect(page.locator("#state")).to_have_attribute("data-state", "submitted")
    expect(page.locator('#eligibility [data-rule="kis_pbi_not_pbi_apbn"]')).to_have_attribute(
        "data-passed", "true"
    )
    page.click("#act-verify")
    expect(page.locator("#state")).to_have_attribute("data-state", "in_verification")
    page.fill("#id_reason", "Desil 3, bukan PBI-APBN")
    page.click("#act-approve")
    expect(page.locator("#state")).to_have_attribute("data-state", "approved")
    page.click("#act-enrol")
    expect(page.locator("#state")).to_have_attribute("data-state", "enrolled")
    expect(page.locator("#enrolment")).to_be_visible()
