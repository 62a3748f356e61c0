"""The portal shell: language, navigation per role, error pages, jobs, audit log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from depok_kds.audit import audit_record
from depok_kds.models import Job

pytestmark = pytest.mark.django_db


def test_the_portal_speaks_indonesian_by_default_and_english_on_request(client):
    page = client.get(reverse("login")).content.decode()
    assert "Masuk" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert "Log in" in client.get(reverse("login")).content.decode()


def test_the_browser_language_does_not_switch_the_portal_to_english(client):
    page = client.get(reverse("login"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Masuk" in page.content.decode()


def test_pages_need_a_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_route_gets_the_portal_404_page(client, dinsos_operator):
    client.force_login(dinsos_operator)
    response = client.get("/tidak-ada/")
    assert response.status_code == 404
    assert 'class="topbar"' in response.content.decode()


def test_navigation_follows_the_role(client, dinsos_operator, auditor_user):
    client.force_login(dinsos_operator)
    assert reverse("audit_log") not in client.get(reverse("dashboard")).content.decode()
    client.force_login(auditor_user)
    assert reverse("audit_log") in client.get(reverse("dashboard")).content.decode()


def test_starting_the_demo_job_shows_its_progress_page(
    client, dinsos_operator, django_capture_on_commit_callbacks
):
    client.force_login(dinsos_operator)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("jobs:demo-start"), {"n": 5})
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "<progress" in page and 'hx-trigger="every 1s"' in page
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="job-progress"')


def test_a_finished_job_stops_polling(client, dinsos_operator):
    job = Job.objects.create(
        kind="depok_kds.demo_count",
        requested_by=dinsos_operator,
        status=Job.Status.SUCCEEDED,
        total=5,
        done=5,
        result={"sum": 15},
    )
    client.force_login(dinsos_operator)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "hx-trigger" not in page
    assert "100%" in page


def test_others_jobs_are_hidden_from_a_puskesos_officer(client, puskesos_a, dinsos_operator):
    job = Job.objects.create(kind="depok_kds.demo_count", requested_by=dinsos_operator)
    client.force_login(puskesos_a)
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404


def test_auditor_browses_and_filters_the_audit_log(client, auditor_user, dinsos_operator):
    audit_record(
        actor=dinsos_operator,
        action="household.register",
        target_type="registry.household",
        target_id=7,
        after={"rw": 3},
    )
    audit_record(
        actor=dinsos_operator, action="pii.view", target_type="registry.person", target_id=9
    )
    client.force_login(auditor_user)
    page = client.get(reverse("audit_log"), {"action": "pii."}).content.decode()
    assert "pii.view" in page and "household.register" not in page


def test_audit_log_is_refused_to_other_roles(client, dinsos_operator):
    client.force_login(dinsos_operator)
    assert client.get(reverse("audit_log")).status_code == 403
