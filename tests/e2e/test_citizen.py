"""A citizen checks their registration and objects, on a phone, in Indonesian; a Puskesos
officer works through a scorecard list to the page that fixes an item."""

from __future__ import annotations

import pytest

from programs.scorecard.services import scorecard_snapshot_take
from registry.nik import today_wib
from tests.overlap.factories import enrol
from tests.registry.factories import (
    KELURAHAN_DEPOK,
    KELURAHAN_TUGU,
    HouseholdFactory,
    PersonFactory,
)
from verification.models import Complaint

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="id-ID", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_citizen_checks_and_objects(phone):
    household = HouseholdFactory(kelurahan_id=KELURAHAN_TUGU, desil=4, desil_period="2026Q1")
    siti = PersonFactory(household=household, full_name="Siti Aminah", sex="F")
    enrol(siti, "kis-pbi-apbd", year=today_wib().year)

    phone.goto("/warga/cek/")
    assert phone.locator("html").get_attribute("lang") == "id"
    assert phone.locator("h1").inner_text() == "Cek data Anda"
    _fits(phone)
    phone.fill("#id_nik", siti.nik)
    phone.fill("#id_name", "Siti Aminah")
    phone.click("#self-check")
    result = phone.locator("#self-check-result")
    assert result.get_attribute("data-answer") == "found"
    assert "Desil 1-5" in phone.locator("#self-check-band").inner_text()
    assert "KIS" in phone.locator("#self-check-programmes").inner_text()
    _fits(phone)

    phone.click("#to-objection")
    phone.wait_for_url("**/warga/sanggah/")
    phone.check("input[name=topic][value=objection]")
    phone.fill("#id_nik", siti.nik)
    phone.fill("#id_name", "Siti Aminah")
    phone.select_option("#id_kelurahan", KELURAHAN_DEPOK)
    phone.fill("#id_contact", "0812 1234 5678")
    phone.fill("#id_reason", "Suami saya baru di-PHK, desil kami seharusnya lebih rendah.")
    assert (
        not phone.locator("#id_website").is_visible()
        or phone.locator(".hp").bounding_box()["x"] < 0
    )
    _fits(phone)
    phone.click("#objection-send")
    number = phone.locator("#tracking-number").inner_text()
    assert "Simpan nomor ini" in phone.locator("#objection-result").inner_text()
    complaint = Complaint.objects.get(tracking_number=number)
    assert (complaint.kind, complaint.category) == ("appeal", "exclusion")
    assert complaint.household_id == household.pk and complaint.kelurahan_code == KELURAHAN_TUGU

    phone.click("text=Pantau statusnya")
    assert phone.locator("#track-result").get_attribute("data-found") == "true"


def test_a_puskesos_officer_works_a_scorecard_list(
    browser, live_server, puskesos_a, persona_password
):
    missing = PersonFactory(
        household=HouseholdFactory(kelurahan_id=KELURAHAN_DEPOK),
        nik=None,
        nik_status="missing",
        full_name="Budi Santoso",
    )
    PersonFactory(
        household=HouseholdFactory(kelurahan_id=KELURAHAN_TUGU),
        nik=None,
        nik_status="missing",
        full_name="Joko Susilo",
    )
    scorecard_snapshot_take(on=today_wib())
    context = browser.new_context(base_url=live_server.url, locale="id-ID", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/login/")
        page.fill("#id_username", puskesos_a.username)
        page.fill("#id_password", persona_password)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/")
        page.click("#menu-button")  # the navigation folds into a menu on a phone
        page.click("#mainnav >> text=Kualitas data")
        page.wait_for_url("**/scorecard/")
        assert page.locator("h1").inner_text() == "Kartu skor kualitas data"
        _fits(page)
        cell = page.locator(
            f'tr[data-kelurahan="{KELURAHAN_DEPOK}"] td[data-measure="nik_missing"] a'
        )
        assert cell.inner_text().strip() == "1"
        assert page.locator(f'tr[data-kelurahan="{KELURAHAN_TUGU}"]').count() == 0
        cell.click()
        page.wait_for_url(f"**/scorecard/nik_missing/{KELURAHAN_DEPOK}/")
        row = page.locator(f'#scorecard-items tr[data-person="{missing.pk}"]')
        assert "Budi Santoso" in row.inner_text() and "Tanpa NIK" in row.inner_text()
        assert "Joko" not in page.content()
        _fits(page)
        row.locator("a.fix").click()
        page.wait_for_url(f"**/registry/households/{missing.household_id}/")
        assert "Budi Santoso" in page.content()
    finally:
        context.close()
