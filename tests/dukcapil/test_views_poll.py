"""The run and extract pages poll while their job works and reload once it has finished."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from depok_kds.jobs import job_run
from depok_kds.models import Job, User
from registry.dukcapil.models import DkbExtract
from registry.dukcapil.services import match_run_execute, match_run_start
from tests.dukcapil.conftest import City

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_run_page_reloads_when_its_run_has_finished(city: City, dinsos_operator: User) -> None:
    client = client_for(dinsos_operator)
    running = match_run_start(actor=dinsos_operator)
    url = reverse("dukcapil:run", args=[running.pk])
    assert b'id="run-watch"' in client.get(url).content
    waiting = client.get(url, headers=HTMX)
    assert waiting.status_code == 204 and "HX-Refresh" not in waiting

    job_run(job_id=running.job_id, handler=match_run_execute)
    assert client.get(url, headers=HTMX)["HX-Refresh"] == "true"
    page = client.get(url).content.decode()
    assert 'id="run-watch"' not in page
    assert 'data-outcome="nik_mistyped" data-count="2"' in page


def test_the_extract_page_reloads_when_its_load_has_finished(
    city: City, dinsos_operator: User
) -> None:
    extract = DkbExtract.objects.get(status="active")
    client = client_for(dinsos_operator)
    url = reverse("dukcapil:extract", args=[extract.pk])
    assert client.get(url, headers=HTMX)["HX-Refresh"] == "true"
    assert b'id="extract-watch"' not in client.get(url).content
    assert extract.job_id is not None
    Job.objects.filter(pk=extract.job_id).update(status=Job.Status.RUNNING)
    assert b'id="extract-watch"' in client.get(url).content
    assert client.get(url, headers=HTMX).status_code == 204
