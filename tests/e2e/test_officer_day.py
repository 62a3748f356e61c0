"""The officer's day in a browser, in Indonesian, one journey per persona: a refused
application keeps its form, Puskesos proposes from the household page, the verification
page offers each officer only their own form, the search finds a registry number, the
task inbox lists the visit, and /lacak/ shows the answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from registry.models import Household
from tests.programs.factories import applicant, open_cycle
from tests.verification.factories import answered_complaint, in_verification

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE = {"width": 390, "height": 844}


def test_unknown_nik_keeps_the_form_with_the_message_at_the_field(session, dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd")
    page = session(dinkes_officer)
    page.goto(f"/programs/cycles/{cycle.pk}/apply/")
    page.fill("#id_nik", "3276019999990099")
    page.select_option("#id_channel", "agency")
    page.select_option("#id_detail-jkn_segment", "pbpu")
    page.click("#submit-application")
    expect(page.locator("#error-summary")).to_contain_text("NIK ini tidak terdaftar")
    expect(page.locator("#id_nik")).to_have_value("3276019999990099")
    expect(page.locator("#id_detail-jkn_segment")).to_have_value("pbpu")
    expect(page.locator("#application-form .errorlist").first).to_contain_text("NIK ini")


def test_puskesos_proposes_from_the_household_page_on_a_phone(session, puskesos_a):
    head = applicant()
    Household.objects.filter(pk=head.household_id).update(head=head)
    cycle = open_cycle("kis-pbi-apbd")
    page = session(puskesos_a)
    page.set_viewport_size(PHONE)
    page.goto("/registry/")
    page.fill("#id_q", head.household.registry_number)
    page.locator("form[role=search] button[type=submit]").click()
    # The list before the search may hold the household too: follow the link of the
    # results page, not of the page the search is leaving.
    page.wait_for_url("**/registry/?*q=*")
    page.click(f'#households a[href="/registry/households/{head.household_id}/"]')
    page.click("#propose summary")
    expect(page.locator("#propose")).to_contain_text("Ajukan program")
    page.click(f'#propose a[data-cycle="{cycle.pk}"]')
    expect(page.locator("#id_nik")).to_have_value(head.nik)
    page.select_option("#id_channel", "puskesos")
    page.select_option("#id_detail-jkn_segment", "none")
    page.click("#submit-application")
    expect(page.locator("#state")).to_have_attribute("data-state", "submitted")
    page.goto(f"/registry/households/{head.household_id}/")
    expect(page.locator("#household-applications")).to_contain_text("Diajukan")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_agency_officer_sees_only_the_technical_form(session, dinkes_officer):
    application = in_verification("kis-pbi-apbd")
    page = session(dinkes_officer)
    page.goto(f"/verification/applications/{application.pk}/")
    expect(page.locator("#check-poverty form.verdict-form")).to_have_count(0)
    technical = page.locator("#check-technical")
    expect(technical.locator("#id_roof")).to_have_count(0)
    expect(technical).to_contain_text("Segmen BPJS")
    technical.locator('input[name="outcome"][value="pass"]').check()
    technical.locator("#id_reason").fill("Bukan peserta PBI-APBN")
    page.click("#verdict-technical")
    expect(page.locator("#check-technical")).to_have_attribute("data-status", "passed")
    # A file still goes in after the verdict.
    expect(page.locator("#evidence-technical")).to_have_count(1)


def test_task_inbox_lists_the_visit_for_the_puskesos_officer(session, puskesos_a):
    application = in_verification("kis-pbi-apbd")
    page = session(puskesos_a)
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.click("#menu-button")
    page.click('#mainnav a[href="/verification/tasks/"]')
    visits = page.locator("#task-visits")
    expect(visits.locator("li")).to_have_count(1)
    visits.locator("li a").click()
    expect(page.locator("#visit-address")).to_contain_text(application.household.address)
    expect(page.locator("#evidence-form input[type=file]")).to_have_attribute(
        "capture", "environment"
    )


def test_public_tracking_shows_the_answer(page, dinsos_operator):
    application = in_verification("kis-pbi-apbd")
    complaint = answered_complaint(application, actor=dinsos_operator)
    page.goto("/lacak/")
    page.fill("#id_number", complaint.tracking_number)
    page.click("#track")
    expect(page.locator("#track-answer")).to_contain_text("dikunjungi ulang")
    expect(page.locator("#track-due")).not_to_be_empty()
    expect(page.locator("#track-result")).not_to_contain_text("Bu Siti")
