"""A refused form keeps what was typed, in a browser and in Indonesian, one journey per
persona: the decree, opening a cycle, assigning a visit, answering a complaint and starting
a verivali round, and re-issuing a failed payment into a batch that does not exist (once
a 404 page) each show the form again with the reason at the top and at the field."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from depok_kds.accounts import user_create
from depok_kds.roles import Role
from distribution.models import Line
from programs.models import Decree
from tests.conftest import PASSWORD
from tests.distribution.factories import beneficiary, new_batch, sent
from tests.programs.factories import open_cycle
from tests.verification.factories import in_verification, received_complaint
from verification.models import FieldVisit

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE = {"width": 390, "height": 844}
# Set to a folder to keep a screenshot of each refused form, to look at.
SCREENSHOTS = os.environ.get("KDS_SCREENSHOTS", "")


def _refused(page, name: str, field: str, text: str) -> None:
    """The summary at the top and the field's own message both say `text`."""
    expect(page.locator("#error-summary")).to_contain_text(text)
    expect(page.locator(f"#{field}").locator("xpath=..").locator(".errorlist")).to_contain_text(
        text
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        page.screenshot(path=str(folder / f"{name}-top.png"))
        form = page.locator(f"#{field}").locator("xpath=ancestor::form")
        form.screenshot(path=str(folder / f"{name}-form.png"))


def _yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def test_a_duplicate_decree_number_keeps_the_number_and_date(session, dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd")
    Decree.objects.create(
        cycle=open_cycle("kis-pbi-apbd", year=2025),
        number="188/12-Dinkes/2026",
        decreed_on=date(2026, 1, 5),
    )
    page = session(dinkes_officer)
    page.set_viewport_size(PHONE)
    page.goto(f"/programs/cycles/{cycle.pk}/")
    page.fill("#id_number", "188/12-Dinkes/2026")
    page.fill("#id_decreed_on", "2026-02-01")
    page.click("#decree-fix")
    _refused(page, "decree", "id_number", "SK dengan nomor ini sudah ada")
    expect(page.locator("#id_number")).to_have_value("188/12-Dinkes/2026")
    expect(page.locator("#id_decreed_on")).to_have_value("2026-02-01")


def test_opening_a_cycle_that_exists_keeps_the_quota(session, dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd", year=2026)
    page = session(dinkes_officer)
    page.set_viewport_size(PHONE)
    page.goto(f"/programs/{cycle.programme_id}/")
    page.fill("#id_year", "2026")
    page.fill("#id_tahap", "0")
    page.fill("#id_quota", "1250")
    page.click("#cycle-open")
    _refused(page, "cycle-open", "id_year", "Siklus ini sudah ada")
    expect(page.locator("#id_quota")).to_have_value("1250")
    expect(page.locator("#id_year")).to_have_value("2026")


def test_assigning_a_visit_due_yesterday_keeps_the_officer(session, dinsos_operator, puskesos_a):
    visit = FieldVisit.objects.get(check_row__application=in_verification())
    page = session(dinsos_operator)
    page.set_viewport_size(PHONE)
    page.goto(f"/verification/visits/{visit.pk}/")
    page.select_option("#id_assignee", str(puskesos_a.pk))
    page.fill("#id_due_on", _yesterday())
    page.click("#assign")
    _refused(page, "visit-assign", "id_due_on", "tidak boleh sebelum hari ini")
    expect(page.locator("#id_assignee")).to_have_value(str(puskesos_a.pk))
    expect(page.locator("#id_due_on")).to_have_value(_yesterday())
    visit.refresh_from_db()
    assert visit.assigned_to_id is None


def test_reopening_on_a_plain_complaint_keeps_the_answer(session, puskesos_a):
    application = in_verification()
    complaint = received_complaint(application)
    page = session(puskesos_a)
    page.set_viewport_size(PHONE)
    page.goto(f"/verification/complaints/{complaint.pk}/")
    page.select_option("#id_outcome", "reopened")
    page.fill("#id_answer", "Usulan dibuka kembali untuk diverifikasi ulang")
    page.click("#complaint-answer")
    _refused(page, "complaint-answer", "id_outcome", "Hanya sanggahan")
    expect(page.locator("#id_answer")).to_have_value(
        "Usulan dibuka kembali untuk diverifikasi ulang"
    )
    expect(page.locator("#id_outcome")).to_have_value("reopened")
    expect(page.locator("#complaint-status")).to_have_attribute("data-status", "received")


def test_a_verivali_round_due_yesterday_keeps_the_date(session, dinsos_operator):
    page = session(dinsos_operator)
    page.set_viewport_size(PHONE)
    page.goto("/verification/verivali/")
    page.fill("#id_due_on", _yesterday())
    page.click("#verivali-start")
    _refused(page, "verivali", "id_due_on", "tidak boleh sebelum hari ini")
    expect(page.locator("#id_due_on")).to_have_value(_yesterday())


def test_reissuing_into_a_batch_that_does_not_exist_keeps_the_number(session, dinsos_admin):
    """Once a 404 page: the failed line's batch page shows again with the number typed."""
    beneficiary()
    approver = user_create(username="admin2", password=PASSWORD, role=Role.DINSOS_ADMIN)
    batch = sent(new_batch("pendidikan-sma", actor=dinsos_admin), preparer=dinsos_admin,
                 approver=approver)  # fmt: skip
    line = batch.lines.get()
    Line.objects.filter(pk=line.pk).update(state="failed")
    page = session(dinsos_admin)
    page.set_viewport_size(PHONE)
    page.goto(f"/distribution/{batch.pk}/?state=failed")
    row = page.locator(f"tr[data-reference='{line.reference}']")
    row.locator("input[name=batch]").fill("987654")
    row.locator("button").click()
    _refused(page, "line-reissue", "id_batch", "Tidak ada tahap penyaluran dengan nomor ini")
    expect(page.locator("#id_batch")).to_have_value("987654")
    assert not Line.objects.filter(reissue_of=line).exists()
