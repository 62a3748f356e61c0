"""The Dukcapil API: a scoped key starts a run and reads its results; NIKs masked by default."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from depok_kds.models import AuditEntry
from registry.dukcapil.models import MatchOutcome, MatchRun
from tests.dukcapil.conftest import DEPOK, TUGU, run_to_end

pytestmark = pytest.mark.django_db


def api(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def run(city, dinsos_operator) -> MatchRun:
    return run_to_end(dinsos_operator)


def test_a_key_with_the_write_scope_starts_a_run(city, api_client_factory):
    _, key = api_client_factory(["dukcapil:write", "dukcapil:read"])
    response = api(key).post(
        reverse("dukcapil_api:run-list"),
        {"scope": "kelurahan", "kelurahan_code": TUGU},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    run = MatchRun.objects.get(pk=response.json()["id"])
    assert (run.scope, run.kelurahan_code, response.json()["status"]) == (
        "kelurahan",
        TUGU,
        "queued",
    )


def test_a_read_only_key_cannot_start_a_run(city, api_client_factory):
    _, key = api_client_factory(["dukcapil:read"])
    response = api(key).post(reverse("dukcapil_api:run-list"), {}, content_type="application/json")
    assert response.status_code == 403
    assert not MatchRun.objects.exists()


def test_a_programme_passes_its_enrolled_persons(city, api_client_factory):
    _, key = api_client_factory(["dukcapil:write"])
    ids = [city.persons["Budi Santoso"].pk, city.persons["Dewi Lestari"].pk]
    response = api(key).post(
        reverse("dukcapil_api:run-list"),
        {"scope": "persons", "person_ids": ids, "scope_label": "KIS PBI-APBD 2026"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert MatchRun.objects.get().person_ids == sorted(ids)


def test_the_run_summary_and_outcomes_are_read_with_masked_niks(run, api_client_factory):
    _, key = api_client_factory(["dukcapil:read"])
    client = api(key)
    detail = client.get(reverse("dukcapil_api:run-detail", args=[run.pk])).json()
    assert detail["summary"]["persons"] == 10
    assert detail["summary"]["per_outcome"]["nik_mistyped"] == 2
    assert detail["summary"]["per_kelurahan"][TUGU]["deceased"] == 1
    page = client.get(
        reverse("dukcapil_api:run-outcomes", args=[run.pk]), {"outcome": "nik_mistyped"}
    )
    results = page.json()["results"]
    assert len(results) == 2
    for result in results:
        assert "\u2022" in result["nik"] or result["nik"] == ""
        assert "\u2022" in result["candidate_nik"]
        assert "\u2022" in result["dukcapil"]["nik"]
    assert not AuditEntry.objects.filter(action="pii.view").exists()


def test_full_niks_need_the_pii_scope_and_are_logged(run, api_client_factory):
    client_row, key = api_client_factory(["dukcapil:read", "pii:read"])
    page = api(key).get(reverse("dukcapil_api:run-outcomes", args=[run.pk]), {"outcome": "matched"})
    budi = next(r for r in page.json()["results"] if r["full_name"] == "Budi Santoso")
    assert budi["nik"] == MatchOutcome.objects.get(pk=budi["id"]).person.nik
    assert AuditEntry.objects.filter(action="pii.view", actor=client_row.user).exists()


def test_a_kelurahan_key_reads_its_kelurahan_only(run, api_client_factory):
    _, key = api_client_factory(["dukcapil:read"], kelurahan_codes=[DEPOK])
    client = api(key)
    detail = client.get(reverse("dukcapil_api:run-detail", args=[run.pk])).json()
    assert set(detail["summary"]["per_kelurahan"]) == {DEPOK}
    names = {
        r["full_name"]
        for r in client.get(reverse("dukcapil_api:run-outcomes", args=[run.pk])).json()["results"]
    }
    assert "Dewi Lestari" not in names and "Budi Santoso" in names


def test_an_outcome_is_reviewed_through_the_api(run, api_client_factory):
    _, key = api_client_factory(["dukcapil:write", "dukcapil:read"])
    outcome = MatchOutcome.objects.get(run=run, person__full_name="Dewi Lestari")
    response = api(key).post(
        reverse("dukcapil_api:outcome-review", args=[outcome.pk]),
        {"decision": "reject", "note": "masih hidup"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["review_status"] == "rejected"
    again = api(key).post(
        reverse("dukcapil_api:outcome-review", args=[outcome.pk]),
        {"decision": "confirm"},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "not_pending"


def test_portal_users_without_the_permission_are_refused(run, puskesos_a, leader):
    for user, expected in ((puskesos_a, 403), (leader, 403)):
        client = Client()
        client.force_login(user)
        start = client.post(reverse("dukcapil_api:run-list"), {}, content_type="application/json")
        assert start.status_code == expected
    client = Client()
    client.force_login(leader)
    assert client.get(reverse("dukcapil_api:run-detail", args=[run.pk])).status_code == 403


def test_extracts_are_listed_for_readers(run, api_client_factory):
    _, key = api_client_factory(["dukcapil:read"])
    body = api(key).get(reverse("dukcapil_api:extract-list")).json()
    assert body["results"][0]["status"] == "active"
