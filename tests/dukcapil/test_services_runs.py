"""The matching job: one outcome per person, set-based, idempotent and resumable."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from depok_kds.errors import DomainError, Forbidden
from depok_kds.jobs import Progress, job_claim, job_run
from depok_kds.models import AuditEntry, Job
from registry.dukcapil.models import MatchOutcome, MatchRun
from registry.dukcapil.services import match_run_advance, match_run_execute, match_run_start
from registry.dukcapil.sources import DkbSource
from registry.models import Person
from tests.dukcapil.conftest import TUGU, _born, person, run_to_end
from tests.dukcapil.factories import dkb_csv, dkb_row, household_with, load_extract, row_of
from tests.registry.factories import make_kk, make_nik

pytestmark = pytest.mark.django_db


def outcomes(run: MatchRun) -> dict[str, MatchOutcome]:
    return {
        o.person.full_name: o for o in MatchOutcome.objects.filter(run=run).select_related("person")
    }


def test_a_run_decides_every_person_with_its_outcome_and_evidence(city, dinsos_operator):
    run = run_to_end(dinsos_operator)
    found = outcomes(run)
    expected = {
        "Budi Santoso": "matched",
        "Hj. Siti Aminah": "matched",  # Hj. is a title, not a different name
        "Rizky Pratama": "differences",
        "Ahmad Fauzi": "nik_mistyped",
        "Dewi Lestari": "deceased",
        "Eko Prasetyo": "moved_out",
        "Slamet Riyadi": "kk_differs",
        "Yanti Susanti": "not_found",
        "Nabila Putri": "nik_mistyped",
        "Joko Susilo": "kk_differs",
    }
    assert {name: o.outcome for name, o in found.items()} == expected
    assert found["Rizky Pratama"].differences == ["birth_date"]
    fauzi = found["Ahmad Fauzi"]
    assert (fauzi.method, fauzi.candidate_nik) == (
        "transposition",
        make_nik(_born(1975, 8, 17), "M", 24),
    )
    assert fauzi.review_status == MatchOutcome.Review.PENDING
    assert found["Nabila Putri"].method == "name_birth_date"
    assert found["Dewi Lestari"].event_date == date(2025, 11, 30)
    assert found["Eko Prasetyo"].event_date == date(2025, 10, 1)
    joko = found["Joko Susilo"].evidence
    assert joko["members_only_at_dukcapil_count"] == 1
    assert joko["members_only_at_dukcapil"][0]["name"] == "PUTRI SUSILO"
    assert city.extra_kk_member not in str(joko)  # masked
    assert found["Budi Santoso"].review_status == MatchOutcome.Review.NOT_NEEDED
    assert found["Budi Santoso"].dukcapil == {}  # nothing kept for plain matches


def test_the_run_summary_counts_outcomes_per_kelurahan(city, dinsos_operator):
    run = run_to_end(dinsos_operator)
    assert run.summary["persons"] == 10
    assert run.summary["per_outcome"]["matched"] == 2
    assert run.summary["per_kelurahan"][TUGU] == {"deceased": 1, "moved_out": 1, "nik_mistyped": 1}
    assert run.summary["review"]["pending"] == 6
    assert run.finished_at is not None
    assert AuditEntry.objects.filter(action="dukcapil.run_start", target_id=str(run.pk)).exists()


def test_a_second_run_gives_the_same_results(city, dinsos_operator):
    first = outcomes(run_to_end(dinsos_operator))
    second = outcomes(run_to_end(dinsos_operator))

    def key(o: MatchOutcome):
        return o.outcome, o.method, o.candidate_nik, tuple(o.differences), o.score

    assert {n: key(o) for n, o in first.items()} == {n: key(o) for n, o in second.items()}


def test_a_run_resumes_after_a_killed_worker_without_duplicates(city, dinsos_operator):
    clean = outcomes(run_to_end(dinsos_operator))
    run = match_run_start(actor=dinsos_operator)
    job = job_claim(job_id=run.job_id)
    progress = Progress(job)
    progress.set_total(10)
    source = DkbSource(run.extract_id)
    taken, _last = match_run_advance(run=run, source=source, size=4, progress=progress)
    assert taken == 4
    # The worker dies here; its lease runs out and another worker takes the job over.
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    finished = job_run(job_id=run.job_id, handler=match_run_execute)
    assert finished.status == Job.Status.SUCCEEDED
    assert finished.attempts == 2
    assert MatchOutcome.objects.filter(run=run).count() == 10
    resumed = outcomes(run)
    assert {n: o.outcome for n, o in resumed.items()} == {n: o.outcome for n, o in clean.items()}
    # Running the finished job's chunk again writes nothing twice.
    assert match_run_advance(run=run, source=source, size=100) == (0, 0)


def test_the_job_is_set_based_not_a_query_per_person(
    city, dinsos_operator, django_assert_max_num_queries
):
    run = match_run_start(actor=dinsos_operator)
    job = job_claim(job_id=run.job_id)
    with django_assert_max_num_queries(15):
        match_run_advance(
            run=run, source=DkbSource(run.extract_id), size=100, progress=Progress(job)
        )


def test_a_kelurahan_run_covers_that_kelurahan_only(city, dinsos_operator):
    run = run_to_end(dinsos_operator, scope="kelurahan", kelurahan_code=TUGU)
    assert set(outcomes(run)) == {"Ahmad Fauzi", "Dewi Lestari", "Eko Prasetyo"}


def test_a_caller_may_match_a_list_of_persons(city, dinsos_operator):
    # The hook a programme uses for its enrolments: explicit person ids.
    wanted = [city.persons["Budi Santoso"].pk, city.persons["Yanti Susanti"].pk]
    run = run_to_end(dinsos_operator, scope="persons", person_ids=wanted, scope_label="KIS PBI")
    assert {n: o.outcome for n, o in outcomes(run).items()} == {
        "Budi Santoso": "matched",
        "Yanti Susanti": "not_found",
    }
    assert run.scope_label == "KIS PBI"


def test_matching_needs_an_extract(dinsos_operator):
    with pytest.raises(DomainError) as refused:
        match_run_start(actor=dinsos_operator)
    assert refused.value.code == "no_extract"


def test_only_dinsos_staff_start_runs(city, puskesos_a, auditor_user, dinkes_officer):
    for outsider in (puskesos_a, auditor_user, dinkes_officer):
        with pytest.raises(Forbidden):
            match_run_start(actor=outsider)
    assert not MatchRun.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.xdist_group("processes")
def test_processes_decide_the_chunks_as_one_process_does(city, dinsos_operator, settings):
    """Outside a transaction the job hands its chunks to a pool of processes; the outcomes
    and the progress are those of the one-process path."""

    def run_in(processes: int) -> tuple[MatchRun, Job]:
        settings.DUKCAPIL_MATCH_PROCESSES = processes
        run = match_run_start(actor=dinsos_operator)
        Job.objects.filter(pk=run.job_id).update(params={"chunk_size": 3})  # 4 chunks
        job = job_run(job_id=run.job_id, handler=match_run_execute)
        assert job is not None and job.status == Job.Status.SUCCEEDED, job.error_message
        run.refresh_from_db()
        return run, job

    def key(o: MatchOutcome):
        return o.outcome, o.method, o.candidate_nik, tuple(o.differences), o.score

    one, _ = run_in(1)
    pooled, job = run_in(2)
    assert job.result["seconds"]["processes"] == 2
    assert {n: key(o) for n, o in outcomes(pooled).items()} == {
        n: key(o) for n, o in outcomes(one).items()
    }
    assert (job.done, job.total) == (10, 10)


def test_the_kk_composition_is_judged_whatever_chunk_each_member_falls_in(dinsos_operator):
    """One person per chunk: a member with a mistyped NIK is still in the household, and
    a twin Dukcapil lists beside the registered one is not."""
    twins = _born(2012, 3, 3)
    _, kk, (head, typed, twin) = household_with(
        [
            person("Agus Salim", "M", _born(1980), 61, relationship="1"),
            person("Rina Salim", "F", _born(2008), 62),
            person("Bayu Salim", "M", twins, 63),
        ],
        kk=make_kk(106),
    )
    true_nik = typed.nik
    Person.objects.filter(pk=typed.pk).update(nik=true_nik[:14] + true_nik[15] + true_nik[14])
    rows = [
        row_of(head, kk=kk),
        row_of(typed, kk=kk, nik=true_nik),
        row_of(twin, kk=kk),
        dkb_row(nik=make_nik(twins, "M", 64), kk=kk, name="BIMA SALIM", born=twins),
    ]
    load_extract(dkb_csv(rows), actor=dinsos_operator)
    run = match_run_start(actor=dinsos_operator)
    Job.objects.filter(pk=run.job_id).update(params={"chunk_size": 1})
    job_run(job_id=run.job_id, handler=match_run_execute)

    found = outcomes(run)
    assert found["Rina Salim"].outcome == "nik_mistyped"
    agus = found["Agus Salim"]
    assert agus.outcome == "kk_differs"
    assert [m["name"] for m in agus.evidence["members_only_at_dukcapil"]] == ["BIMA SALIM"]
