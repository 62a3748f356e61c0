"""Browser tests of overlap detection: a duplicate benefit found by a detection job started
from the portal, routed to the owning agency, decided there and holding back approval; and
the administrator's configuration page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from programs.overlap.models import Finding
from programs.overlap.services import finding_gate, national_list_import
from tests.overlap.factories import YEAR, enrol
from tests.programs.factories import programme
from tests.verification.factories import in_verification

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def only_overlap_gate(monkeypatch):
    """The verification app's own gate (checks still pending) is driven in its suite; here
    the overlap gate alone decides, so the refusal shown is its own."""
    monkeypatch.setattr("programs.services.APPROVAL_GATES", [finding_gate])


def test_duplicate_benefit_from_detection_to_the_approval_gate(
    session,
    dinsos_operator,
    dinkes_officer,
    disrumkim_officer,
    celery_worker_process,
    only_overlap_gate,
):
    # A KIS PBI-APBD (Dinkes) member in verification for the programme, already enrolled by
    # import and also on this year's national PBI-APBN list: one NIK, two JKN segments.
    application = in_verification("kis-pbi-apbd")
    member = application.person
    enrol(member, "kis-pbi-apbd")
    national_list_import(
        actor=None,
        kind="pbi_apbn",
        year=YEAR,
        file_name="pbi-apbn.csv",
        content=f"nik\n{member.nik}\n".encode(),
    )

    operator = session(dinsos_operator)
    operator.goto("/overlap/")
    operator.fill("#detect-form #id_year", str(YEAR))
    operator.click("#detect-start")
    operator.wait_for_url(re.compile(r"/jobs/\d+/$"))
    progress = operator.locator("#job-progress")
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(progress.locator(".percent")).to_have_text("100%")

    finding = Finding.objects.get(rule="national_list", person=member)
    row = f'#findings tr[data-id="{finding.pk}"]'
    operator.goto("/overlap/")
    expect(operator.locator(row)).to_have_attribute("data-rule", "national_list")

    other_agency = session(disrumkim_officer)
    other_agency.goto("/overlap/")
    expect(other_agency.locator("#findings")).to_be_visible()
    expect(other_agency.locator(row)).to_have_count(0)
    assert other_agency.goto(f"/overlap/{finding.pk}/").status == 404

    agency = session(dinkes_officer)
    agency.goto("/overlap/")
    expect(agency.locator(row)).to_have_attribute("data-status", "open")

    # The open blocking finding holds the application back, and the page says why.
    agency.goto(f"/programs/applications/{application.pk}/")
    expect(agency.locator('#application-findings tr[data-rule="national_list"]')).to_have_attribute(
        "data-blocks", "1"
    )
    agency.fill("#id_reason", "Memenuhi syarat")
    agency.click("#act-approve")
    blocked = f"Tercantum di daftar penerima nasional (#{finding.pk})"
    expect(agency.locator("#error-summary")).to_contain_text(blocked)
    expect(agency.locator("#id_reason")).to_have_value("Memenuhi syarat")
    expect(agency.locator("#state")).to_have_attribute("data-state", "in_verification")

    agency.click(f'#application-findings a[href="/overlap/{finding.pk}/"]')
    agency.fill("#decision #id_reason", "NIK terdaftar di PBI-APBN, segmen akan dipindah")
    agency.click("#finding-confirm")
    expect(agency.locator("#finding")).to_have_attribute("data-status", "confirmed")
    expect(agency.locator('#events li[data-kind="confirmed"]')).to_contain_text(
        "segmen akan dipindah"
    )

    # Confirmed, the case still blocks until it is fixed.
    agency.goto(f"/programs/applications/{application.pk}/")
    agency.fill("#id_reason", "Memenuhi syarat")
    agency.click("#act-approve")
    expect(agency.locator("#error-summary")).to_contain_text(blocked)
    expect(agency.locator("#state")).to_have_attribute("data-state", "in_verification")


def test_the_administrator_adds_an_exclusive_pair(session, dinsos_admin):
    food, disability = programme("bantuan-pangan-kota"), programme("alat-disabilitas")
    admin = session(dinsos_admin)
    admin.goto("/overlap/")
    admin.click("#overlap-configuration")
    expect(admin.locator('#list-pairs tr[data-list="pbi_apbn"]')).to_have_count(1)
    expect(admin.locator("#pairs tbody tr[data-id]")).to_have_count(0)
    admin.select_option("#pair-form #id_programme", str(food.pk))
    admin.select_option("#pair-form #id_other_programme", str(disability.pk))
    admin.fill("#pair-form #id_note", "Perwal bantuan pangan")
    admin.click("#pair-add")
    pair = admin.locator(f'#pairs tr[data-programme="{food.code}"][data-other="{disability.code}"]')
    expect(pair).to_contain_text("Perwal bantuan pangan")
    expect(admin.locator(".messages .msg-success")).to_be_visible()

    # The same pair the other way round is refused, with the reason on the page.
    admin.select_option("#pair-form #id_programme", str(disability.pk))
    admin.select_option("#pair-form #id_other_programme", str(food.pk))
    admin.click("#pair-add")
    expect(admin.locator("#error-summary")).to_contain_text("sudah tercatat")
    expect(admin.locator("#pair-form #id_programme")).to_have_value(str(disability.pk))
    expect(admin.locator("#pairs tbody tr[data-id]")).to_have_count(1)
