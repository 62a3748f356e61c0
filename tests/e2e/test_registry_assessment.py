"""An operator registers a household, records its 14-parameter assessment on a phone-sized
screen, and sees the class with its explanation on the household's page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from registry.models import Assessment

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# 10 + 5 + 5 + 4 + 1 + 1 = 26 points under the provisional rules: exactly the miskin threshold.
ANSWERS = {
    "income": "below_poverty_line",
    "dependants": "two_to_three",
    "tenure": "no_right",
    "education_access": "dropped_out",
    "vehicle": "car",
    "floor": "earth_bamboo",
    "wall": "plastered_good",
    "roof": "tile_concrete_good",
    "water": "piped_or_bottled",
    "electricity": "pln_1300_plus",
    "toilet": "own",
    "sewage": "pit",
    "vulnerable_member": "none",
    "medical_cost": "able",
}


def test_register_then_assess_a_household(dinsos_operator, page, login):
    login(dinsos_operator)

    page.goto("/registry/households/new/")
    page.select_option("#id_kelurahan_code", "32.76.01.1006")
    page.fill("#id_rw", "4")
    page.fill("#id_rt", "2")
    page.fill("#id_address", "Jl. Flamboyan No. 9")
    page.fill("#id_kk_number", "3276011503200002")
    page.fill("#id_members-0-nik", "3276011705800002")
    page.fill("#id_members-0-full_name", "Asep Saepudin")
    page.select_option("#id_members-0-sex", "M")
    page.fill("#id_members-0-birth_date", "1980-05-17")
    page.select_option("#id_members-0-relationship", "1")
    page.select_option("#id_members-0-marital_status", "kawin")
    page.select_option("#id_members-0-education", "sd")
    page.click("form button[type=submit].primary")
    page.wait_for_url(re.compile(r"/registry/households/\d+/$"))

    # The assessment section is loaded into the household page; nothing assessed yet.
    section = page.locator("#assessment")
    expect(section.locator("#assessment-record")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})  # a field officer's phone
    section.locator("#assessment-record").click()
    page.wait_for_url(re.compile(r"/assess/$"))
    expect(page.locator("fieldset[id^=parameter-]")).to_have_count(14)
    for parameter, option in ANSWERS.items():
        page.check(f"input[name=answer_{parameter}][value={option}]")
    page.screenshot(path="var/e2e-assessment-form.png", full_page=True)
    page.click("#assessment-save")

    page.wait_for_url(re.compile(r"/registry/households/\d+/#assessment$"))
    current = page.locator("#assessment-current")
    expect(current).to_have_attribute("data-class", "miskin")
    expect(current).to_contain_text("26")
    expect(page.locator("#assessment-provisional")).to_be_visible()
    explanation = page.locator("#assessment-explanation")
    expect(explanation).to_contain_text("Skor 26 dari 62: kelas Miskin (ambang 26)")
    expect(explanation).to_contain_text("Penghasilan rata-rata per bulan")
    expect(page.locator("#assessment-history tbody tr")).to_have_count(1)
    page.screenshot(path="var/e2e-registry-assessment.png", full_page=True)
    assessment = Assessment.objects.get()
    assert (assessment.poverty_class, assessment.assessor) == ("miskin", dinsos_operator)
