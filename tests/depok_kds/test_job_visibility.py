"""Who sees a job, and limits on heavy jobs per requester."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from depok_kds.accounts import user_create
from depok_kds.errors import Conflict
from depok_kds.jobs import CITY, JobSubject, job_start, job_start_or_join
from depok_kds.models import Job
from depok_kds.roles import Role
from programs.overlap.tasks import KIND as DETECT_KIND
from registry.imports.tasks import PREVIEW_KIND
from tests.conftest import KELURAHAN_DEPOK
from tests.programs.factories import programme

pytestmark = pytest.mark.django_db


def _import_job(owner) -> Job:
    """A checked import file: its name, counts and per-row reasons with registry numbers."""
    return Job.objects.create(
        kind=PREVIEW_KIND,
        requested_by=owner,
        status=Job.Status.SUCCEEDED,
        params={"kind": "households", "path": "x.csv", "file_name": "warga-rw03.csv"},
        result={"rows_ready": 2, "rows_refused": 1},
        error_rows=[{"row": 3, "column": "nik", "reason": "3276015001900003 already registered"}],
    )


def _page(client: Client, user, job: Job) -> int:
    client.force_login(user)
    return client.get(reverse("jobs:detail", args=[job.pk])).status_code


def _api(factory, job: Job, **scope) -> int:
    _client, key = factory(["jobs:read"], **scope)
    return Client().get(f"/api/v1/jobs/{job.pk}/", headers={"Authorization": f"Bearer {key}"})


def test_an_import_job_is_seen_by_its_requester_and_administrators_only(
    client, dinsos_operator, dinsos_admin, auditor_user, puskesos_a, leader, api_client_factory
):
    job = _import_job(dinsos_operator)
    other_operator = user_create(
        username="operator2", password="x-pass-2026", role=Role.DINSOS_OPERATOR
    )
    assert _page(client, dinsos_operator, job) == 200
    assert _page(client, dinsos_admin, job) == 200
    for outsider in (other_operator, auditor_user, puskesos_a, leader):
        assert _page(client, outsider, job) == 404, outsider.username
    response = _api(api_client_factory, job)
    assert response.status_code == 404
    assert b"warga-rw03" not in response.content and b"3276015001900003" not in response.content
    client.force_login(auditor_user)
    assert b"warga-rw03" not in client.get(reverse("jobs:list")).content


def test_a_shared_job_is_seen_by_scopes_that_cover_its_subject(
    client,
    dinsos_operator,
    auditor_user,
    puskesos_a,
    puskesos_b,
    dinkes_officer,
    disrumkim_officer,
    api_client_factory,
):
    city = job_start(kind=DETECT_KIND, requested_by=None, params={}, subject=CITY)
    depok = job_start(
        kind=DETECT_KIND,
        requested_by=None,
        params={"k": 1},
        subject=JobSubject(kelurahan_code=KELURAHAN_DEPOK),
    )
    dinkes = job_start(
        kind=DETECT_KIND,
        requested_by=None,
        params={"a": 1},
        subject=JobSubject(agency_code="DINKES"),
    )
    expected = {
        dinsos_operator: {city, depok, dinkes},
        auditor_user: {city, depok, dinkes},
        puskesos_a: {depok},
        puskesos_b: set(),
        dinkes_officer: {dinkes},
        disrumkim_officer: set(),
    }
    for user, visible in expected.items():
        for job in (city, depok, dinkes):
            assert _page(client, user, job) == (200 if job in visible else 404), (user, job)
    assert _api(api_client_factory, city).status_code == 200
    assert _api(api_client_factory, depok, kelurahan_codes=[KELURAHAN_DEPOK]).status_code == 200
    assert _api(api_client_factory, city, kelurahan_codes=[KELURAHAN_DEPOK]).status_code == 404
    assert _api(api_client_factory, city, agency_code="DISRUMKIM").status_code == 404
    assert _api(api_client_factory, dinkes, agency_code="DINKES").status_code == 200


def test_a_programme_detection_is_seen_by_its_agency(client, dinkes_officer, disrumkim_officer):
    client.force_login(dinkes_officer)
    kis = programme("kis-pbi-apbd")
    response = client.post(reverse("overlap:detect"), {"year": 2026, "programme": kis.pk})
    assert response.status_code == 302
    job = Job.objects.get(kind=DETECT_KIND)
    assert (job.shared, job.subject_agency) == (True, "DINKES")
    assert _page(client, disrumkim_officer, job) == 404


def test_an_identical_heavy_job_is_joined_not_queued_again(dinsos_operator):
    first, new = job_start_or_join(
        kind=DETECT_KIND, requested_by=dinsos_operator, params={"year": 2026}, subject=CITY
    )
    again, again_new = job_start_or_join(
        kind=DETECT_KIND, requested_by=dinsos_operator, params={"year": 2026}, subject=CITY
    )
    assert (new, again_new, again.pk) == (True, False, first.pk)
    assert Job.objects.filter(kind=DETECT_KIND).count() == 1
    Job.objects.filter(pk=first.pk).update(status=Job.Status.SUCCEEDED)
    assert job_start(kind=DETECT_KIND, requested_by=dinsos_operator, params={"year": 2026}) != first


def test_heavy_jobs_are_capped_per_requester(dinsos_operator, dinsos_admin, settings):
    settings.KDS_JOB_CAP_PER_REQUESTER = 2
    for year in (2024, 2025):
        job_start(kind=DETECT_KIND, requested_by=dinsos_operator, params={"year": year})
    with pytest.raises(Conflict) as refused:
        job_start(kind=DETECT_KIND, requested_by=dinsos_operator, params={"year": 2026})
    assert refused.value.code == "too_many_jobs"
    # another requester has a cap of their own; light jobs are not capped
    job_start(kind=DETECT_KIND, requested_by=dinsos_admin, params={"year": 2026})
    job_start(kind="depok_kds.demo_count", requested_by=dinsos_operator, params={"n": 1})
    Job.objects.filter(requested_by=dinsos_operator).update(status=Job.Status.FAILED)
    job_start(kind=DETECT_KIND, requested_by=dinsos_operator, params={"year": 2026})


def test_an_api_key_flooding_city_wide_runs_gets_one_job_then_a_409(api_client_factory, settings):
    settings.KDS_JOB_CAP_PER_REQUESTER = 2
    _client, key = api_client_factory(["jobs:write", "jobs:read"])
    api = Client(headers={"Authorization": f"Bearer {key}"})
    url = reverse("overlap_api:detect")
    ids = {api.post(url, {"year": 2026}).json()["job"] for _ in range(5)}
    assert len(ids) == 1
    assert api.post(url, {"year": 2025}).status_code == 202
    refused = api.post(url, {"year": 2024})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "too_many_jobs"
