"""One test per rule of each programme app, named after the rule."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from depok_kds.errors import DomainError
from programs.models import Application, Enrolment
from programs.services import (
    application_approve,
    application_enrol,
    application_submit,
    application_verification_start,
)
from programs.training.models import TrainingDetail
from programs.training.services import training_attendance_record
from tests.programs.factories import ELDERLY, applicant, open_cycle

pytestmark = pytest.mark.django_db


# Training takes people aged 15 and over; the factory's birth dates run from 1960 to 2014.
TRAINEE_BORN = date(1995, 3, 14)


def _submit(code, person, detail, *, year=2026, channel="agency", **kwargs):
    cycle = kwargs.pop("cycle", None) or open_cycle(code, year=year)
    return application_submit(
        actor=None,
        cycle_id=cycle.pk,
        person_id=person.pk,
        channel=channel,
        detail=detail,
        **kwargs,
    )


def _refused_rule(code, person, detail, **kwargs) -> list[str]:
    with pytest.raises(DomainError) as refused:
        _submit(code, person, detail, **kwargs)
    return [d["rule"] for d in refused.value.details or []]


def _enrol(application, actor, on=None):
    application_verification_start(actor=actor, application_id=application.pk)
    application_approve(actor=actor, application_id=application.pk, reason="Sesuai")
    return application_enrol(actor=actor, application_id=application.pk, on=on)


# --- KIS PBI ------------------------------------------------------------------------------


def test_kis_pbi_refuses_a_pbi_apbn_member():
    rules = _refused_rule("kis-pbi-apbd", applicant(), {"jkn_segment": "pbi_apbn"})
    assert rules == ["kis_pbi_not_pbi_apbn"]


def test_kis_pbi_needs_desil_1_5_from_2026():
    assert _refused_rule("kis-pbi-apbd", applicant(desil=7), {"jkn_segment": "none"}) == ["poverty"]


def test_kis_pbi_before_2026_a_depok_address_is_enough():
    application = _submit("kis-pbi-apbd", applicant(desil=9), {"jkn_segment": "pbpu"}, year=2025)
    assert application.state == Application.State.SUBMITTED


def test_kis_pbi_membership_starts_the_month_after_approval(dinkes_officer):
    application = _submit("kis-pbi-apbd", applicant(), {"jkn_segment": "none"})
    enrolment = _enrol(application, dinkes_officer)
    decided = Application.objects.get(pk=application.pk).decided_at.date()
    assert enrolment.starts_on.day == 1 and enrolment.starts_on > decided
    assert (enrolment.starts_on.year * 12 + enrolment.starts_on.month) - (
        decided.year * 12 + decided.month
    ) == 1


# --- education ----------------------------------------------------------------------------

SD = {"level": "sd", "school_name": "SD Islam Al-Hikmah", "school_is_private": True,
      "grade": 3, "student_number": "0123456789"}  # fmt: skip


def test_education_sd_smp_private_schools_only():
    rules = _refused_rule("pendidikan-sd", applicant(), {**SD, "school_is_private": False})
    assert rules == ["education_private_school_only"]


def test_education_sd_pays_two_million_to_the_school():
    application = _submit("pendidikan-sd", applicant(), SD)
    assert application.amount == 2_000_000
    assert application.education_detail.payee == "school"


def test_education_smp_pays_three_million():
    application = _submit("pendidikan-smp", applicant(), {**SD, "level": "smp"})
    assert application.amount == 3_000_000


def test_education_sma_pays_the_student_public_school_allowed():
    application = _submit(
        "pendidikan-sma", applicant(), {**SD, "level": "sma", "school_is_private": False}
    )
    assert application.amount == 2_000_000 and application.education_detail.payee == "student"


def test_education_level_must_match_the_programme():
    assert _refused_rule("pendidikan-sd", applicant(), {**SD, "level": "smp"}) == [
        "education_level_matches"
    ]


def test_education_university_proposed_by_the_campus():
    detail = {**SD, "level": "pt", "school_name": "Universitas Indonesia"}
    assert _refused_rule("pendidikan-pt", applicant(), detail, channel="resident") == [
        "education_proposed_by_campus"
    ]
    application = _submit("pendidikan-pt", applicant(), detail, channel="school")
    assert application.education_detail.payee == "blocked_account"


def test_education_university_cap_until_graduation(dinsos_operator):
    student = applicant()
    detail = {**SD, "level": "pt", "school_name": "Universitas Indonesia"}
    first = _submit(
        "pendidikan-pt", student, detail, channel="school", year=2025, amount=20_000_000
    )
    _enrol(first, dinsos_operator)
    rules = _refused_rule("pendidikan-pt", student, detail, channel="school", amount=5_000_000)
    assert rules == ["education_university_cap_until_graduation"]


# --- RTLH ---------------------------------------------------------------------------------

HOUSE = {"owner_first_house": True, "land_and_building_in_owner_name": True,
         "in_dispute": False, "damage_from_disaster": False, "no_sale_within_three_years": True,
         "roof_damaged": True, "partner_shop": "TB Sumber Rezeki"}  # fmt: skip


def test_rtlh_amount_is_split_materials_labour_report():
    application = _submit("rtlh", applicant(), HOUSE)
    detail = application.rtlh_detail
    assert application.amount == 23_000_000
    assert (detail.materials_amount, detail.labour_amount, detail.report_amount) == (
        20_000_000, 2_800_000, 200_000)  # fmt: skip


def test_rtlh_refuses_aid_within_three_years(disrumkim_officer):
    person = applicant()
    _enrol(_submit("rtlh", person, HOUSE, year=2024), disrumkim_officer)
    other_member = applicant(household=person.household)  # the household, not the person
    assert _refused_rule("rtlh", other_member, HOUSE) == ["frequency"]


def test_rtlh_allows_aid_after_three_years(disrumkim_officer):
    person = applicant()
    # Enrolled more than three years before today (the limit counts from the enrolment).
    _enrol(_submit("rtlh", person, HOUSE, year=2022), disrumkim_officer, on=date(2022, 6, 1))
    assert _submit("rtlh", person, HOUSE).state == Application.State.SUBMITTED


def test_rtlh_one_application_per_household_and_cycle():
    person = applicant()
    cycle = open_cycle("rtlh")
    _submit("rtlh", person, HOUSE, cycle=cycle)
    with pytest.raises(DomainError):
        _submit("rtlh", applicant(household=person.household), HOUSE, cycle=cycle)


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("owner_first_house", False, "rtlh_owner_first_house"),
        ("land_and_building_in_owner_name", False, "rtlh_land_and_building_in_owner_name"),
        ("in_dispute", True, "rtlh_not_in_dispute"),
        ("damage_from_disaster", True, "rtlh_damage_not_from_disaster"),
        ("no_sale_within_three_years", False, "rtlh_no_sale_within_three_years"),
        ("roof_damaged", False, "rtlh_roof_floor_or_walls_damaged"),
    ],
)
def test_rtlh_criteria_each_refuse(field, value, rule):
    assert _refused_rule("rtlh", applicant(), {**HOUSE, field: value}) == [rule]


def test_rtlh_priority_roof_before_floor_before_walls():
    roof = _submit("rtlh", applicant(), HOUSE).rtlh_detail.priority
    walls = _submit(
        "rtlh", applicant(), {**HOUSE, "roof_damaged": False, "walls_damaged": True}
    ).rtlh_detail.priority
    assert roof > walls


def test_rtlh_refuses_a_household_that_is_not_poor():
    assert _refused_rule("rtlh", applicant(desil=9, poverty_class="tidak_miskin"), HOUSE) == [
        "poverty"
    ]


# --- food aid -----------------------------------------------------------------------------


def test_food_aid_for_elderly_or_disabled_only():
    rules = _refused_rule(
        "bantuan-pangan-kota",
        applicant(birth_date=date(1990, 1, 1)),
        {"outlet": "Gerai Pancoran Mas"},
    )
    assert rules == ["elderly_or_disabled"]
    disabled = applicant(birth_date=date(1990, 1, 1), disability="physical")
    assert _submit("bantuan-pangan-kota", disabled, {"outlet": "Gerai 1"}).pk


def test_food_aid_collector_same_kk():
    person = applicant(birth_date=ELDERLY)
    stranger = applicant()
    assert _refused_rule(
        "bantuan-pangan-kota", person, {"outlet": "Gerai 1", "collector_nik": stranger.nik}
    ) == ["food_aid_collector_same_kk"]
    daughter = applicant(household=person.household)
    application = _submit(
        "bantuan-pangan-kota", person, {"outlet": "Gerai 1", "collector_nik": daughter.nik}
    )
    assert application.food_aid_detail.collector == daughter


# --- training -----------------------------------------------------------------------------

COURSE = {"ak1_number": "AK1/3276/2026/001", "course": "Barista"}


def test_training_needs_an_ak1_card():
    with pytest.raises(DomainError) as refused:
        _submit("pelatihan-keterampilan", applicant(birth_date=TRAINEE_BORN), {"course": "Barista"})
    assert refused.value.code == "invalid_detail"


def test_training_refuses_repeat_within_two_years(disnaker_officer):
    person = applicant()
    _enrol(_submit("pelatihan-keterampilan", person, COURSE, year=2025), disnaker_officer)
    assert _refused_rule("pelatihan-keterampilan", person, COURSE) == ["frequency"]


def test_training_attendance_and_completion(disnaker_officer, dinkes_officer):
    application = _submit("pelatihan-keterampilan", applicant(birth_date=TRAINEE_BORN), COURSE)
    with pytest.raises(DomainError):  # not enrolled yet
        training_attendance_record(
            actor=disnaker_officer,
            application_id=application.pk,
            sessions_attended=3,
            completed=False,
        )
    _enrol(application, disnaker_officer)
    with pytest.raises(DomainError):  # another agency
        training_attendance_record(
            actor=dinkes_officer,
            application_id=application.pk,
            sessions_attended=3,
            completed=False,
        )
    detail = training_attendance_record(
        actor=disnaker_officer, application_id=application.pk, sessions_attended=12, completed=True
    )
    assert detail.sessions_attended == 12 and detail.completed


# --- death benefit ------------------------------------------------------------------------


def _death(deceased_alive: bool = False):
    deceased = applicant(
        is_deceased=not deceased_alive, death_date=None if deceased_alive else date(2026, 1, 5)
    )
    heir = applicant(household=deceased.household)
    detail = {"deceased_nik": deceased.nik, "death_certificate_number": "3276-KM-0001",
              "heir_relationship": "child", "applied_in_person": True}  # fmt: skip
    return deceased, heir, detail


def test_death_benefit_pays_two_million_per_heir():
    deceased, heir, detail = _death()
    cycle = open_cycle("santunan-kematian")
    first = _submit("santunan-kematian", heir, detail, cycle=cycle)
    second_heir = applicant(household=deceased.household)
    second = _submit("santunan-kematian", second_heir, detail, cycle=cycle)
    assert first.amount == second.amount == 2_000_000
    assert first.death_benefit_detail.deceased == deceased


def test_death_benefit_heir_applies_in_person():
    _, heir, detail = _death()
    assert _refused_rule("santunan-kematian", heir, {**detail, "applied_in_person": False}) == [
        "death_benefit_heir_applies_in_person"
    ]


def test_death_benefit_death_recorded():
    _, heir, detail = _death(deceased_alive=True)
    assert _refused_rule("santunan-kematian", heir, detail) == ["death_benefit_death_recorded"]


# --- disability aid -----------------------------------------------------------------------


def test_disability_aid_refused_if_received_through_csr():
    person = applicant(disability="physical")
    assert _refused_rule(
        "alat-disabilitas", person, {"device": "wheelchair", "received_via_csr": True}
    ) == ["disability_aid_not_received_via_csr"]


def test_disability_aid_needs_a_recorded_disability():
    assert _refused_rule("alat-disabilitas", applicant(), {"device": "cane"}) == ["disability"]


def test_disability_aid_records_the_device():
    application = _submit(
        "alat-disabilitas", applicant(disability="sensory"), {"device": "hearing_aid"}
    )
    assert application.disability_aid_detail.device == "hearing_aid"
    assert Enrolment.objects.count() == 0


def test_training_attendance_is_recorded_on_its_portal_page(client, disnaker_officer):
    application = _submit("pelatihan-keterampilan", applicant(birth_date=TRAINEE_BORN), COURSE)
    _enrol(application, disnaker_officer)
    client.force_login(disnaker_officer)
    page = client.get(reverse("programs:application", args=[application.pk])).content.decode()
    url = reverse("training:attendance", args=[application.pk])
    assert url in page
    response = client.post(url, {"sessions_attended": 10, "completed": "on"})
    assert response.status_code == 302
    detail = TrainingDetail.objects.get(application=application)
    assert detail.sessions_attended == 10 and detail.completed


def test_training_attendance_page_is_hidden_from_other_agencies(client, dinkes_officer):
    application = _submit("pelatihan-keterampilan", applicant(birth_date=TRAINEE_BORN), COURSE)
    client.force_login(dinkes_officer)
    assert client.get(reverse("training:attendance", args=[application.pk])).status_code == 404
