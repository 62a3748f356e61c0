"""A flood of matching runs: one key gets the run already queued, then a 409 at its cap."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from depok_kds.models import Job
from registry.dukcapil.models import MatchRun
from registry.dukcapil.services import match_run_start
from tests.dukcapil.conftest import DEPOK, TUGU

pytestmark = pytest.mark.django_db


def test_one_key_asking_again_and_again_gets_the_same_run_then_is_capped(
    city, api_client_factory, settings
):
    settings.KDS_JOB_CAP_PER_REQUESTER = 2
    _, key = api_client_factory(["dukcapil:write", "dukcapil:read"])
    api = Client(headers={"Authorization": f"Bearer {key}"})
    url = reverse("dukcapil_api:run-list")
    ids = {api.post(url, {}, content_type="application/json").json()["id"] for _ in range(5)}
    assert len(ids) == 1 and MatchRun.objects.count() == 1
    tugu = api.post(
        url, {"scope": "kelurahan", "kelurahan_code": TUGU}, content_type="application/json"
    )
    assert tugu.status_code == 201 and tugu.json()["id"] not in ids
    depok = api.post(
        url, {"scope": "kelurahan", "kelurahan_code": DEPOK}, content_type="application/json"
    )
    assert depok.status_code == 409, depok.content
    assert depok.json()["error"]["code"] == "too_many_jobs"
    assert MatchRun.objects.count() == Job.objects.filter(kind="dukcapil.match").count() == 2


def test_a_finished_run_is_not_joined(city, dinsos_operator):
    first = match_run_start(actor=dinsos_operator)
    Job.objects.filter(pk=first.job_id).update(status=Job.Status.SUCCEEDED)
    assert match_run_start(actor=dinsos_operator).pk != first.pk
