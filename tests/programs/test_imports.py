"""Bulk enrolment through the import path: preview, bad rows, commit, quota."""

from __future__ import annotations

from decimal import Decimal

import pytest

from depok_kds.errors import Conflict
from depok_kds.jobs import job_run
from depok_kds.models import Job
from programs.imports import KIND, recipient_import_run
from programs.models import Cycle, Enrolment, RecipientImport
from programs.services import application_submit, budget_committed, cycle_has_room
from tests.programs.factories import KIS, applicant, open_cycle, programme

pytestmark = pytest.mark.django_db


def run_import(cycle, text: str, *, commit: bool) -> Job:
    upload = RecipientImport.objects.create(
        cycle=cycle, file_name="daftar.csv", content=text.encode()
    )
    job = Job.objects.create(kind=KIND, params={"import_id": upload.pk, "commit": commit})
    finished = job_run(job_id=job.pk, handler=recipient_import_run)
    assert finished is not None
    return finished


def kis_list(people) -> str:
    return "nik,jkn_segment\n" + "".join(f"{p.nik},none\n" for p in people)


# A house that meets every RTLH criterion, as the columns of an RTLH list.
HOUSE = {"owner_first_house": "true", "land_and_building_in_owner_name": "true",
         "in_dispute": "false", "damage_from_disaster": "false",
         "no_sale_within_three_years": "true", "roof_damaged": "true",
         "partner_shop": "TB Sumber Rezeki"}  # fmt: skip


def rtlh_list(people, **changes: str) -> str:
    house = {**HOUSE, **changes}
    return (
        ",".join(["nik", *house])
        + "\n"
        + "".join(",".join([p.nik, *house.values()]) + "\n" for p in people)
    )


def test_import_preview_lists_bad_rows_and_writes_nothing():
    cycle = open_cycle("kis-pbi-apbd", year=2025)
    good, apbn = applicant(), applicant()
    rows = [
        f"{good.nik},none",
        f"{apbn.nik},pbi_apbn",
        "123,none",
        f"{good.nik},none",
        "9999999999999999,none",
    ]
    text = "nik,jkn_segment\n" + "\n".join(rows) + "\n"
    job = run_import(cycle, text, commit=False)
    assert job.status == "succeeded" and job.result["good"] == 1
    assert sorted(e["row"] for e in job.error_rows) == [3, 4, 5, 6]
    assert not Enrolment.objects.exists()


def test_import_commit_enrols_good_rows_once():
    cycle = open_cycle("kis-pbi-apbd", year=2025)
    people = [applicant() for _ in range(3)]
    text = "nik,jkn_segment\n" + "\n".join(f"{p.nik},none" for p in people) + "\n"
    assert run_import(cycle, text, commit=True).result["enrolled"] == 3
    again = run_import(cycle, text, commit=True)  # a re-run neither fails nor doubles
    assert again.result["enrolled"] == 0 and len(again.error_rows) == 3
    assert Enrolment.objects.filter(cycle=cycle, source="import").count() == 3


def test_import_exceeding_the_quota_refused_and_nothing_written():
    cycle = open_cycle("kis-pbi-apbd", year=2025, quota=2)
    text = kis_list(applicant() for _ in range(3))
    job = run_import(cycle, text, commit=True)
    assert (
        job.status == "failed" and "quota" in job.error_message.lower()
    ) or "2" in job.error_message
    assert not Enrolment.objects.exists()


def test_import_applies_the_programme_rules():
    cycle = open_cycle("pendidikan-sma", year=2025)
    rich = applicant(desil=9, poverty_class="tidak_miskin")
    job = run_import(cycle, f"nik\n{rich.nik}\n", commit=False)
    assert job.result["good"] == 0 and job.error_rows[0]["row"] == 2


def test_an_import_beyond_the_budget_or_into_a_closed_cycle_is_refused():
    cycle = open_cycle("kis-pbi-apbd", year=2025, amount=Decimal(100_000))
    Cycle.objects.filter(pk=cycle.pk).update(budget=Decimal(250_000))
    text = kis_list(applicant() for _ in range(3))
    job = run_import(cycle, text, commit=True)
    assert job.status == "failed" and "250.000" in job.error_message
    assert not Enrolment.objects.exists()
    Cycle.objects.filter(pk=cycle.pk).update(budget=0, status=Cycle.Status.CLOSED)
    assert run_import(cycle, text, commit=True).status == "failed"
    assert not Enrolment.objects.exists()


def test_imported_enrolments_count_against_the_budget_of_approvals(dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd", year=2025, amount=Decimal(100_000))
    Cycle.objects.filter(pk=cycle.pk).update(budget=Decimal(250_000))
    text = kis_list(applicant() for _ in range(2))
    assert run_import(cycle, text, commit=True).result["enrolled"] == 2
    cycle.refresh_from_db()
    assert budget_committed(cycle) == Decimal(200_000)
    assert not cycle_has_room(cycle, Decimal(100_000))


def test_an_import_and_an_application_never_take_two_places_for_one_person(dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd", year=2025)
    applied, imported = applicant(), applicant()
    application_submit(
        actor=dinkes_officer, cycle_id=cycle.pk, person_id=applied.pk, channel="agency", detail=KIS
    )
    job = run_import(cycle, kis_list([applied, imported]), commit=True)
    assert job.result["enrolled"] == 1 and job.error_rows[0]["row"] == 2
    with pytest.raises(Conflict) as refused:
        application_submit(
            actor=dinkes_officer,
            cycle_id=cycle.pk,
            person_id=imported.pk,
            channel="agency",
            detail=KIS,
        )
    assert refused.value.code == "already_enrolled"


def test_a_household_programmes_limit_counts_the_household_in_an_import():
    rtlh = programme("rtlh")
    assert rtlh.target == "household" and rtlh.frequency_years
    last_year = open_cycle("rtlh", year=2024)
    owner = applicant()
    assert run_import(last_year, rtlh_list([owner]), commit=True).result["enrolled"] == 1
    son = applicant(household=owner.household)
    job = run_import(open_cycle("rtlh", year=2025), rtlh_list([son]), commit=False)
    assert job.result["good"] == 0  # the same house, within the limit
    assert "dalam 3 tahun terakhir" in job.error_rows[0]["reason"]
