"""An import is a bulk use of the application path: each bypass the old import had."""

from __future__ import annotations

import pytest
from django.utils import timezone

from depok_kds.errors import DomainError
from depok_kds.jobs import job_run
from depok_kds.models import Job
from programs import services
from programs.imports import KIND, recipient_import_run, recipient_import_start
from programs.kinds import Candidate, kind_for
from programs.models import Cycle, Enrolment, Programme, RecipientImport
from programs.overlap.models import Finding
from programs.overlap.services import finding_gate
from programs.services import candidate_evaluate
from tests.programs.factories import applicant, open_cycle, programme
from tests.programs.test_imports import kis_list, rtlh_list, run_import
from tests.programs.test_programme_rules import HOUSE as HOUSE_DETAIL
from verification.gate import approval_gate
from verification.models import Policy

pytestmark = pytest.mark.django_db

SCHOOL = "level,school_name,school_is_private,grade,student_number"


def test_an_import_applies_the_rtlh_criteria():
    cycle = open_cycle("rtlh", year=2025)
    good, disputed = applicant(), applicant()
    text = rtlh_list([good]) + rtlh_list([disputed], in_dispute="true").split("\n", 1)[1]
    job = run_import(cycle, text, commit=False)
    assert job.result["good"] == 1
    [row] = job.error_rows
    assert row["row"] == 3 and "sengketa" in row["reason"]


def test_an_import_takes_one_row_per_household_for_a_household_programme():
    cycle = open_cycle("rtlh", year=2025)
    owner = applicant()
    son = applicant(household=owner.household)
    job = run_import(cycle, rtlh_list([owner, son]), commit=True)
    assert job.result["enrolled"] == 1 and [r["row"] for r in job.error_rows] == [3]
    assert Enrolment.objects.get(cycle=cycle).person == owner


def test_an_import_applies_the_private_school_rule_for_sd():
    cycle = open_cycle("pendidikan-sd", year=2025)
    public, private = applicant(), applicant()
    text = (
        f"nik,{SCHOOL}\n{public.nik},sd,SDN 1 Depok,false,3,12345\n"
        f"{private.nik},sd,SD Islam Depok,true,3,12346\n"
    )
    job = run_import(cycle, text, commit=False)
    assert job.result["good"] == 1
    [row] = job.error_rows
    assert row["row"] == 2 and "swasta" in row["reason"]


def test_an_import_applies_the_disability_aid_csr_check():
    cycle = open_cycle("alat-disabilitas", year=2025)
    via_csr = applicant(disability="physical")
    job = run_import(cycle, f"nik,device,received_via_csr\n{via_csr.nik},cane,true\n", commit=False)
    assert job.result["good"] == 0 and "CSR" in job.error_rows[0]["reason"]


def test_an_import_row_without_the_programme_detail_is_refused():
    cycle = open_cycle("kis-pbi-apbd", year=2025)
    job = run_import(cycle, f"nik\n{applicant().nik}\n", commit=False)
    assert job.result["good"] == 0 and job.error_rows[0]["column"] == "jkn_segment"


@pytest.fixture
def real_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gates the verification and overlap apps register, as in production."""
    monkeypatch.setattr(services, "APPROVAL_GATES", [approval_gate, finding_gate])


def test_an_import_needs_the_checks_the_programme_requires(real_gates):
    cycle = open_cycle("kis-pbi-apbd", year=2025)
    text = f"nik,jkn_segment\n{applicant().nik},none\n"
    job = run_import(cycle, text, commit=True)
    assert job.result["enrolled"] == 0 and "Verifikasi" in job.error_rows[0]["reason"]
    Policy.objects.filter(programme=cycle.programme).update(checks=[])  # "none needed"
    assert (
        run_import(cycle, f"nik,jkn_segment\n{applicant().nik},none\n", commit=True).result[
            "enrolled"
        ]
        == 1
    )


def test_an_import_row_with_an_open_blocking_finding_is_refused(real_gates):
    cycle = open_cycle("kis-pbi-apbd", year=2025)
    Policy.objects.filter(programme=cycle.programme).update(checks=[])
    blocked, free = applicant(), applicant()
    now = timezone.now()
    Finding.objects.create(
        rule="deceased_recipient", fingerprint="test:1", severity="high", blocks=True,
        status="open", person=blocked, household=blocked.household, agency_code="DINSOS",
        first_seen=now, last_seen=now,
    )  # fmt: skip
    text = f"nik,jkn_segment\n{blocked.nik},none\n{free.nik},none\n"
    job = run_import(cycle, text, commit=True)
    assert job.result["enrolled"] == 1 and [r["row"] for r in job.error_rows] == [2]
    assert "temuan" in job.error_rows[0]["reason"].lower()


def test_a_programme_without_a_verification_policy_approves_nothing(real_gates):
    cycle = open_cycle("kis-pbi-apbd", year=2025)
    Policy.objects.filter(programme=cycle.programme).delete()
    person = applicant()
    candidate = Candidate(
        programme=cycle.programme, cycle=cycle, person=person, household=person.household,
        channel="agency", detail={}, on=timezone.localdate(),
    )  # fmt: skip
    [refusal] = approval_gate([candidate])
    assert refusal and cycle.programme.name in refusal
    job = run_import(cycle, f"nik,jkn_segment\n{person.nik},none\n", commit=True)
    assert job.result["enrolled"] == 0


def test_an_unknown_programme_kind_is_refused():
    Programme.objects.filter(code="kis-pbi-apbd").update(kind="unknown")
    cycle = open_cycle("kis-pbi-apbd", year=2025)
    person = applicant()
    with pytest.raises(DomainError) as refused:
        kind_for("unknown")
    assert refused.value.code == "unknown_kind"
    candidate = Candidate(
        programme=programme("kis-pbi-apbd"), cycle=cycle, person=person,
        household=person.household, channel="agency", detail={}, on=timezone.localdate(),
    )  # fmt: skip
    with pytest.raises(DomainError):
        candidate_evaluate(candidate)
    job = run_import(cycle, f"nik\n{person.nik}\n", commit=False)
    assert job.status == "failed" and not Enrolment.objects.exists()


def test_a_historical_list_records_a_closed_cycle_only_and_is_marked(dinkes_officer, client):
    cycle = open_cycle("kis-pbi-apbd", year=2023)
    person = applicant(desil=9)  # not poor: a historical record is not checked
    text = f"nik\n{person.nik}\n".encode()
    with pytest.raises(DomainError) as refused:
        recipient_import_start(
            actor=dinkes_officer, cycle_id=cycle.pk, file_name="2023.csv", content=text,
            commit=False, historical=True,
        )  # fmt: skip
    assert refused.value.code == "historical_open_cycle"
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    upload = RecipientImport.objects.create(
        cycle=cycle, file_name="2023.csv", content=text, historical=True
    )
    job = Job.objects.create(kind=KIND, params={"import_id": upload.pk, "commit": True})
    finished = job_run(job_id=job.pk, handler=recipient_import_run)
    assert finished is not None and finished.result["enrolled"] == 1
    enrolment = Enrolment.objects.get(cycle=cycle)
    assert enrolment.source == Enrolment.Source.HISTORICAL
    client.force_login(dinkes_officer)
    page = client.get(f"/programs/cycles/{cycle.pk}/").content.decode()
    assert 'id="historical-count"' in page


def test_one_household_per_cycle_is_the_same_refusal_for_an_import_and_an_application():
    """The import asks the application path's own query (`programs.one_per_cycle`)."""
    cycle = open_cycle("rtlh", year=2025)
    owner, applied = applicant(), applicant()
    son, daughter = applicant(household=owner.household), applicant(household=applied.household)
    assert run_import(cycle, rtlh_list([owner]), commit=True).result["enrolled"] == 1
    services.application_submit(
        actor=None, cycle_id=cycle.pk, person_id=applied.pk, channel="agency",
        detail=HOUSE_DETAIL,
    )  # fmt: skip

    job = run_import(cycle, rtlh_list([son, daughter]), commit=False)

    reasons = {row["row"]: row["reason"] for row in job.error_rows}
    assert job.result["good"] == 0
    assert "enrolled" in reasons[2].lower() or "terdaftar" in reasons[2].lower()
    assert reasons[3] != reasons[2]  # the household's live application
    for member, code in ((son, "already_enrolled"), (daughter, "duplicate_application")):
        with pytest.raises(DomainError) as refused:
            services.application_submit(
                actor=None, cycle_id=cycle.pk, person_id=member.pk, channel="agency", detail={}
            )
        assert refused.value.code == code


def test_one_beneficiary_per_cycle_is_the_person_in_a_person_programme():
    cycle = open_cycle("kis-pbi-apbd", year=2025)
    mother = applicant()
    child = applicant(household=mother.household)
    assert run_import(cycle, kis_list([mother]), commit=True).result["enrolled"] == 1

    job = run_import(cycle, kis_list([child, mother]), commit=False)

    assert job.result["good"] == 1 and [row["row"] for row in job.error_rows] == [3]
