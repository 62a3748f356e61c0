"""The web-service client against a fake Dukcapil server on loopback (no mock objects):
answers, rate limit, retries with backoff, the circuit breaker, and a run during an outage."""

from __future__ import annotations

import time
from datetime import date

import pytest

from depok_kds.jobs import job_run
from depok_kds.models import Job
from registry.dukcapil.models import MatchOutcome
from registry.dukcapil.services import match_run_execute, match_run_start
from registry.dukcapil.webservice import (
    CircuitOpen,
    DukcapilClient,
    ServiceUnavailable,
    VerificationRequest,
)
from tests.dukcapil.factories import household_with
from tests.registry.factories import make_nik

NIK = make_nik(date(1980, 5, 5), "M", 7)
REQUEST = VerificationRequest(
    nik=NIK, full_name="Budi Santoso", birth_date=date(1980, 5, 5), birth_place="Depok", sex="M"
)


@pytest.fixture
def known(fake_dukcapil):
    fake_dukcapil.add(
        NIK,
        NAMA_LGKP="BUDI SANTOSO",
        TGL_LHR="05-05-1980",
        TMPT_LHR="JAKARTA",
        JENIS_KLMIN="LAKI-LAKI",
    )
    return fake_dukcapil


def client(fake, **options) -> DukcapilClient:
    values = {
        "url": fake.url,
        "user": "dinsos-depok",
        "password": "rahasia-pks",
        "rate_per_s": 200.0,
        "timeout_s": 0.5,
        "backoff_s": 0.05,
    }
    values.update(options)
    return DukcapilClient(**values)


def test_sesuai_and_tidak_sesuai_come_back_per_element(known):
    answer = client(known).verify(REQUEST)
    assert answer.found
    assert answer.fields == {
        "NIK": True,
        "NAMA_LGKP": True,
        "TGL_LHR": True,
        "TMPT_LHR": False,  # born in Jakarta, says Dukcapil
        "JENIS_KLMIN": True,
    }
    assert answer.similarity["NAMA_LGKP"] == 100.0
    sent = known.calls[-1][1]
    assert (sent["user_id"], sent["TGL_LHR"], sent["JENIS_KLMIN"]) == (
        "dinsos-depok",
        "05-05-1980",
        "LAKI-LAKI",
    )


def test_an_unknown_nik_is_not_found(known):
    other = VerificationRequest(nik="3276010101900001", full_name="X", birth_date=date(1990, 1, 1))
    assert not client(known).verify(other).found


def test_calls_keep_to_the_rate_limit(known):
    limited = client(known, rate_per_s=20.0)
    started = time.monotonic()
    for _ in range(6):
        limited.verify(REQUEST)
    assert time.monotonic() - started >= 5 / 20 * 0.95
    # Call k is sent no sooner than k intervals after the first: checked against the time the
    # fake server received it, which a busy machine can only make later, never sooner (the gap
    # between two receipts can shrink when the first one waited for the server's thread).
    stamps = [stamp for stamp, _ in known.calls]
    assert all(stamp - started >= k / 20 - 1e-6 for k, stamp in enumerate(stamps))


def test_a_failed_call_is_retried_with_growing_pauses(known):
    known.fail_next = 2
    started = time.monotonic()
    answer = client(known, backoff_s=0.1).verify(REQUEST)
    assert answer.found
    assert len(known.calls) == 3
    assert time.monotonic() - started >= 0.1 + 0.2  # 0.1 s, then 0.2 s


def test_a_timeout_ends_in_service_unavailable(known):
    known.delay_s = 0.4
    with pytest.raises(ServiceUnavailable, match="timeout"):
        client(known, timeout_s=0.1, max_attempts=2).verify(REQUEST)
    assert len(known.calls) == 2


def test_wrong_credentials_are_not_retried(known):
    with pytest.raises(ServiceUnavailable, match="401"):
        client(known, password="salah").verify(REQUEST)
    assert len(known.calls) == 1


def test_the_circuit_opens_after_repeated_failures_and_closes_after_a_pause(known):
    known.down = True
    breaker_client = client(known, max_attempts=1, failure_threshold=2, reset_after_s=0.3)
    for _ in range(2):
        with pytest.raises(ServiceUnavailable):
            breaker_client.verify(REQUEST)
    with pytest.raises(CircuitOpen):
        breaker_client.verify(REQUEST)
    assert len(known.calls) == 2  # the open circuit did not call Dukcapil
    known.down = False
    time.sleep(0.35)
    assert breaker_client.verify(REQUEST).found  # the trial call went through
    assert len(known.calls) == 3


@pytest.mark.django_db
def test_a_web_service_run_decides_from_the_answers(known, dinsos_operator):
    _, _, (budi, other) = household_with(
        [
            {
                "full_name": "Budi Santoso",
                "sex": "M",
                "birth_date": date(1980, 5, 5),
                "birth_place": "Jakarta",
                "nik": NIK,
                "relationship": "1",
            },
            {"full_name": "Siti Aminah", "sex": "F", "birth_date": date(1983, 1, 2)},
        ]
    )
    run = match_run_start(actor=dinsos_operator, source="web_service")
    job = job_run(job_id=run.job_id, handler=match_run_execute)
    assert job.status == Job.Status.SUCCEEDED
    found = {o.person_id: o for o in MatchOutcome.objects.filter(run=run)}
    assert found[budi.pk].outcome == "matched"
    assert found[budi.pk].evidence["fields"]["TMPT_LHR"] == "SESUAI"
    assert found[other.pk].outcome == "not_found"


@pytest.mark.django_db
def test_an_outage_marks_persons_not_verified_and_the_job_still_completes(
    known, dinsos_operator, settings
):
    settings.DUKCAPIL_BACKOFF_S = 0.01
    settings.DUKCAPIL_FAILURE_THRESHOLD = 3
    members = [
        {"full_name": f"Warga {i}", "sex": "M", "birth_date": date(1980, 1, i + 1)}
        for i in range(6)
    ]
    household_with(members)
    known.down = True
    run = match_run_start(actor=dinsos_operator, source="web_service")
    job = job_run(job_id=run.job_id, handler=match_run_execute)
    assert job.status == Job.Status.SUCCEEDED
    assert set(MatchOutcome.objects.filter(run=run).values_list("outcome", flat=True)) == {
        "not_verified"
    }
    assert MatchOutcome.objects.filter(run=run).count() == 6
    # Three persons were tried three times each; then the open circuit spared Dukcapil.
    assert len(known.calls) == 9
    run.refresh_from_db()
    assert run.summary["per_outcome"] == {"not_verified": 6}
