"""Every rule: one test that plants the case, one near-miss that must not be flagged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from depok_kds.errors import DomainError
from depok_kds.models import Job
from programs.models import Enrolment, Programme
from programs.overlap.models import ExclusivePair, Finding, NationalList, NationalListEntry
from programs.overlap.services import national_list_import
from registry.dukcapil.models import MatchOutcome, MatchRun
from registry.models import Person
from tests.overlap.factories import YEAR, detect, enrol
from tests.programs.factories import applicant, programme
from tests.registry.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _findings(rule: str) -> list[Finding]:
    return list(Finding.objects.filter(rule=rule, status="open").order_by("pk"))


def _list(kind: str, year: int, rows: list[tuple[str, str, str]]) -> None:
    text = "nik,kk,nama\n" + "\n".join(",".join(r) for r in rows) + "\n"
    national_list_import(actor=None, kind=kind, year=year, file_name="x.csv", content=text.encode())


# --- duplicate enrolment -------------------------------------------------------------------


def test_duplicate_household_enrolment_in_one_cycle_is_found():
    head = applicant()
    other = PersonFactory(household=head.household)
    first = enrol(head, "rtlh")
    second = enrol(other, "rtlh")
    detect()
    [finding] = _findings("duplicate_enrolment")
    assert finding.enrolment_id == second.pk
    assert finding.details["other_enrolment"] == first.pk
    assert finding.agency_code == "DISRUMKIM" and finding.blocks


def test_two_households_in_one_rtlh_cycle_are_not_duplicates():
    enrol(applicant(), "rtlh")
    enrol(applicant(), "rtlh")
    detect()
    assert _findings("duplicate_enrolment") == []


# --- same kind of benefit ------------------------------------------------------------------


def test_two_education_programmes_in_one_year_are_found():
    pupil = applicant()
    enrol(pupil, "pendidikan-sd")
    later = enrol(pupil, "pendidikan-smp")
    detect()
    [finding] = _findings("same_benefit_kind")
    assert finding.enrolment_id == later.pk and finding.details["benefit_group"] == "education"


def test_same_kind_of_benefit_in_different_years_is_fine():
    pupil = applicant()
    enrol(pupil, "pendidikan-sd", year=YEAR - 1)
    enrol(pupil, "pendidikan-smp", year=YEAR)
    detect()
    assert _findings("same_benefit_kind") == []


# --- mutually exclusive programmes ---------------------------------------------------------


def test_configured_exclusive_pair_in_one_year_is_found():
    ExclusivePair.objects.create(
        programme=programme("bantuan-pangan-kota"), other_programme=programme("alat-disabilitas")
    )
    person = applicant()
    enrol(person, "bantuan-pangan-kota")
    enrol(person, "alat-disabilitas")
    detect()
    assert len(_findings("exclusive_programmes")) == 1


def test_an_excluded_household_programme_clashes_with_any_members_enrolment():
    """As the core refuses it: the later enrolment's unit decides, so a household
    programme meets another member's enrolment; a person's programme only their own."""
    ExclusivePair.objects.create(
        programme=programme("alat-disabilitas"), other_programme=programme("rtlh")
    )
    head = applicant()
    member = PersonFactory(household=head.household)
    enrol(member, "alat-disabilitas")
    later = enrol(head, "rtlh")
    neighbour = applicant()
    enrol(neighbour, "rtlh")
    enrol(PersonFactory(household=neighbour.household), "alat-disabilitas")
    detect()
    [finding] = _findings("exclusive_programmes")
    assert finding.enrolment_id == later.pk


def test_pair_declared_on_the_programme_counts_too_but_not_across_years():
    kis, pangan = programme("kis-pbi-apbd"), programme("bantuan-pangan-kota")
    kis.excludes.add(pangan)
    same_year, other_years = applicant(), applicant()
    enrol(same_year, "kis-pbi-apbd")
    enrol(same_year, "bantuan-pangan-kota")
    enrol(other_years, "kis-pbi-apbd", year=YEAR - 1)
    enrol(other_years, "bantuan-pangan-kota", year=YEAR)
    detect()
    [finding] = _findings("exclusive_programmes")
    assert finding.person_id == same_year.pk


# --- national lists ------------------------------------------------------------------------


def test_kis_pbi_apbd_member_on_the_pbi_apbn_list_is_found():
    member = applicant()
    enrol(member, "kis-pbi-apbd")
    _list("pbi_apbn", YEAR, [(member.nik, "", "")])
    detect()
    [finding] = _findings("national_list")
    assert finding.person_id == member.pk and finding.details["list"] == "pbi_apbn"
    assert finding.agency_code == "DINKES"


def test_a_list_of_another_year_or_an_unpaired_list_is_not_flagged():
    member = applicant()
    enrol(member, "kis-pbi-apbd")
    _list("pbi_apbn", YEAR - 1, [(member.nik, "", "")])
    _list("pkh", YEAR, [(member.nik, "", "")])  # PKH is paired with food aid, not KIS
    detect()
    assert _findings("national_list") == []


def test_food_aid_recipient_on_the_bpnt_list_is_found():
    member = applicant(birth_date=date(1950, 1, 1))
    enrol(member, "bantuan-pangan-kota")
    _list("bpnt", YEAR, [(member.nik, "", "")])
    detect()
    assert len(_findings("national_list")) == 1


# --- frequency limits ----------------------------------------------------------------------


def test_rtlh_again_within_three_years_is_found():
    head = applicant()
    enrol(head, "rtlh", year=2021, on=date(2021, 3, 1))
    again = enrol(head, "rtlh", year=2024, on=date(2024, 2, 28))
    detect()
    [finding] = _findings("frequency_limit")
    assert finding.enrolment_id == again.pk and finding.details["years"] == 3


def test_rtlh_three_years_and_one_day_apart_is_fine():
    head = applicant()
    enrol(head, "rtlh", year=2021, on=date(2021, 3, 1))
    enrol(head, "rtlh", year=2024, on=date(2024, 3, 2))
    detect()
    assert _findings("frequency_limit") == []


def test_training_within_two_years_is_found_and_after_two_years_is_fine():
    trainee, patient = applicant(), applicant()
    enrol(trainee, "pelatihan-keterampilan", year=2024, on=date(2024, 5, 1))
    enrol(trainee, "pelatihan-keterampilan", year=2025, on=date(2025, 5, 1))
    enrol(patient, "pelatihan-keterampilan", year=2023, on=date(2023, 5, 1))
    enrol(patient, "pelatihan-keterampilan", year=2025, on=date(2025, 5, 2))
    detect()
    [finding] = _findings("frequency_limit")
    assert finding.person_id == trainee.pk


# --- identity ------------------------------------------------------------------------------


def test_same_person_without_nik_in_a_second_household_is_found():
    known = applicant(full_name="Siti Aminah", birth_date=date(1980, 4, 5))
    twin = PersonFactory(
        household=HouseholdFactory(),
        full_name="SITI  AMINAH",
        name_normalized=known.name_normalized,
        birth_date=date(1980, 4, 5),
        nik=None,
        nik_status=Person.NikStatus.MISSING,
    )
    detect()
    [finding] = _findings("person_two_households")
    assert finding.person_id == twin.pk
    assert finding.details["other_household"] == known.household_id


def test_namesakes_with_their_own_niks_or_other_birth_dates_are_not_flagged():
    known = applicant(full_name="Budi Santoso", birth_date=date(1980, 4, 5))
    PersonFactory(  # another NIK: another person
        household=HouseholdFactory(),
        name_normalized=known.name_normalized,
        birth_date=date(1980, 4, 5),
    )
    PersonFactory(  # no NIK, but born on another day
        household=HouseholdFactory(),
        name_normalized=known.name_normalized,
        birth_date=date(1980, 4, 6),
        nik=None,
        nik_status=Person.NikStatus.MISSING,
    )
    detect()
    assert _findings("person_two_households") == []


def test_one_nik_under_two_names_in_the_imported_lists_is_found():
    nik = "3276015505800001"
    _list("pkh", YEAR, [(nik, "", "Siti Aminah")])
    _list("bpnt", YEAR, [(nik, "", "Dewi Lestari")])
    detect()
    [finding] = _findings("list_nik_conflict")
    assert finding.details["names"] == 2 and finding.details["nik_end"] == "0001"
    assert nik not in finding.fingerprint  # no full NIK where it is not needed


def test_one_nik_with_the_same_name_written_differently_is_not_flagged():
    nik = "3276015505800001"
    _list("pkh", YEAR, [(nik, "3276010101200001", "Siti Aminah")])
    _list("bpnt", YEAR, [(nik, "3276010101200001", "SITI  aminah")])
    detect()
    assert _findings("list_nik_conflict") == []


# --- deceased and moved away ---------------------------------------------------------------


def test_deceased_person_with_an_active_enrolment_is_found():
    person = applicant()
    enrolment = enrol(person, "kis-pbi-apbd")
    Person.objects.filter(pk=person.pk).update(is_deceased=True, death_date=date(2026, 1, 5))
    detect()
    [finding] = _findings("deceased_recipient")
    assert finding.enrolment_id == enrolment.pk and finding.details["source"] == "registry"


def test_deceased_person_whose_enrolment_ended_is_not_flagged():
    person = applicant()
    enrolment = enrol(person, "kis-pbi-apbd")
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status="exited", exit_reason="death", exited_on=date(2026, 1, 5)
    )
    Person.objects.filter(pk=person.pk).update(is_deceased=True, death_date=date(2026, 1, 5))
    detect()
    assert _findings("deceased_recipient") == []


def _dukcapil(person: Person, outcome: str, review: str) -> None:
    job = Job.objects.create(kind="dukcapil.match")
    run = MatchRun.objects.create(job=job, source="web_service", scope="all")
    MatchOutcome.objects.create(
        run=run, person=person, outcome=outcome, score=1.0, review_status=review
    )


def test_dukcapil_says_deceased_is_found_unless_rejected_on_review():
    reported, rejected = applicant(), applicant()
    enrol(reported, "kis-pbi-apbd")
    enrol(rejected, "kis-pbi-apbd")
    _dukcapil(reported, "deceased", "pending")
    _dukcapil(rejected, "deceased", "rejected")
    detect()
    [finding] = _findings("deceased_recipient")
    assert finding.person_id == reported.pk and finding.details["source"] == "dukcapil"


def test_moved_out_person_with_an_active_enrolment_is_found():
    person = applicant()
    enrol(person, "pendidikan-sma")
    Person.objects.filter(pk=person.pk).update(household=None, moved_out_on=date(2026, 2, 1))
    detect()
    assert len(_findings("moved_out_recipient")) == 1


def test_move_within_depok_is_not_flagged():
    person = applicant()
    enrol(person, "pendidikan-sma")
    Person.objects.filter(pk=person.pk).update(household=HouseholdFactory())
    detect()
    assert _findings("moved_out_recipient") == []


# --- targeting errors ----------------------------------------------------------------------


def test_recipient_of_a_poverty_targeted_programme_who_is_not_poor_is_an_inclusion_error():
    rich = applicant(desil=8, poverty_class="tidak_miskin")
    enrol(rich, "pendidikan-sd")
    detect()
    [finding] = _findings("inclusion_error")
    assert finding.details["desil"] == 8 and not finding.blocks


def test_poor_by_the_local_class_is_not_an_inclusion_error_nor_a_non_targeted_programme():
    vulnerable = applicant(desil=8, poverty_class="rentan")
    enrol(vulnerable, "pendidikan-sd")  # class rentan suffices
    rich = applicant(desil=9, poverty_class="tidak_miskin")
    enrol(rich, "pelatihan-keterampilan")  # training targets no poverty level
    detect()
    assert _findings("inclusion_error") == []


def test_poor_household_served_by_nothing_is_an_exclusion_error():
    poor = applicant(desil=3, poverty_class="rentan")
    detect()
    assert [f.household_id for f in _findings("exclusion_error")] == [poor.household_id]


def test_desil_6_household_or_a_served_poor_one_is_not_an_exclusion_error():
    applicant(desil=6, poverty_class="tidak_miskin")
    served = applicant(desil=2, poverty_class="miskin")
    enrol(served, "kis-pbi-apbd")
    last_year = applicant(desil=2, poverty_class="miskin")
    enrol(last_year, "kis-pbi-apbd", year=YEAR - 1)
    detect()
    assert [f.household_id for f in _findings("exclusion_error")] == [last_year.household_id]


def test_kis_is_checked_for_inclusion_errors_from_2026_by_its_configured_rule():
    rich = applicant(desil=7, poverty_class="miskin")  # poor by class; KIS reads desil only
    enrol(rich, "kis-pbi-apbd")
    enrol(applicant(desil=9, poverty_class="tidak_miskin"), "kis-pbi-apbd", year=2025)
    detect()
    [finding] = _findings("inclusion_error")
    assert finding.person_id == rich.pk and finding.details["desil_max"] == 5
    detect(year=2025)  # before 2026 a Depok address was enough: no inclusion error
    assert _findings("inclusion_error") == [finding]


def test_exclusion_errors_read_the_programmes_configured_rules():
    poor_by_desil = applicant(desil=4, poverty_class="tidak_miskin")
    Programme.objects.exclude(code="kis-pbi-apbd").update(is_active=False)
    detect()  # only KIS targets the poor now: desil 1-5 by its rule
    assert [f.household_id for f in _findings("exclusion_error")] == [poor_by_desil.household_id]
    rule = {"rule": "poverty", "desil_max": 3, "from_year": 2026}
    Programme.objects.filter(code="kis-pbi-apbd").update(rules=[rule])
    detect()  # desil 4 is no longer within any programme's target
    assert _findings("exclusion_error") == []


# --- the household cap ---------------------------------------------------------------------


def test_household_above_the_yearly_cap_is_found():
    head = applicant()
    child = PersonFactory(household=head.household)
    enrol(head, "rtlh")  # 23,000,000
    enrol(child, "pendidikan-smp")  # 3,000,000
    enrol(head, "pendidikan-pt", amount=Decimal(5_000_000))
    detect()
    [finding] = _findings("household_cap")
    assert finding.household_id == head.household_id
    assert Decimal(str(finding.details["total"])) == Decimal(31_000_000)


def test_household_exactly_at_the_cap_or_spread_over_years_is_fine():
    head = applicant()
    enrol(head, "rtlh")
    enrol(head, "pendidikan-pt", amount=Decimal(7_000_000))  # 30,000,000: at the cap
    other = applicant()
    enrol(other, "rtlh", year=YEAR - 1)
    enrol(other, "pendidikan-pt", amount=Decimal(20_000_000))
    detect()
    assert _findings("household_cap") == []


def test_no_entries_left_behind_when_a_list_is_imported_again():
    _list("pkh", YEAR, [("3276015505800001", "", "")])
    _list("pkh", YEAR, [("3276015505800002", "", ""), ("3276015505800003", "", "")])
    assert NationalList.objects.get(kind="pkh", year=YEAR).row_count == 2
    assert NationalListEntry.objects.count() == 2


def test_a_list_that_is_not_utf8_csv_is_refused_and_the_old_one_kept():
    _list("pkh", YEAR, [("3276015505800001", "", "")])
    for content in ("nik,nama\n3276015505800002,Sútarno\n".encode("cp1252"), b"PK\x03\x04xlsx"):
        with pytest.raises(DomainError) as refused:
            national_list_import(
                actor=None, kind="pkh", year=YEAR, file_name="x.csv", content=content
            )
        assert refused.value.code == "not_csv"
    assert NationalList.objects.get(kind="pkh", year=YEAR).row_count == 1


def test_a_programme_run_touches_only_that_programmes_findings():
    pupil = applicant()
    enrol(pupil, "pendidikan-sd")
    enrol(pupil, "pendidikan-smp")
    rich = applicant(desil=9, poverty_class="tidak_miskin")
    enrol(rich, "pendidikan-sd")
    detect(programme_id=programme("pendidikan-smp").pk)
    assert [f.rule for f in Finding.objects.all()] == ["same_benefit_kind"]


def test_a_run_for_one_year_leaves_the_targeting_findings_of_another_year_alone():
    rich = applicant(desil=8, poverty_class="tidak_miskin")
    enrol(rich, "pendidikan-sd", year=YEAR - 1)
    poor = applicant(desil=2, poverty_class="miskin")
    detect(year=YEAR - 1)
    last_year = {f.rule: f for f in Finding.objects.filter(status="open", year=YEAR - 1)}
    assert set(last_year) >= {"inclusion_error", "exclusion_error"}

    detect(year=YEAR)  # this year: the poor household is unserved again, a finding of its own
    for finding in last_year.values():
        finding.refresh_from_db()
        assert finding.status == "open" and finding.year == YEAR - 1
    this_year = Finding.objects.get(rule="exclusion_error", year=YEAR, household=poor.household)
    assert this_year.pk != last_year["exclusion_error"].pk
