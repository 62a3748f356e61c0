"""Portal pages of Dukcapil matching, tried by the people who use them and by outsiders."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from depok_kds.models import AuditEntry
from registry.dukcapil.models import DkbExtract, MatchOutcome, MatchRun
from tests.dukcapil.conftest import DEPOK, TUGU, run_to_end
from tests.dukcapil.factories import dkb_csv, dkb_row
from tests.registry.factories import make_kk, make_nik

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def run(city, dinsos_operator) -> MatchRun:
    return run_to_end(dinsos_operator)


def test_an_operator_starts_a_run_from_the_portal(city, dinsos_operator):
    client = client_for(dinsos_operator)
    page = client.get(reverse("dukcapil:runs"))
    assert page.status_code == 200
    assert b'id="start"' in page.content
    response = client.post(reverse("dukcapil:run-start"), {"source": "dkb", "scope": "all"})
    run = MatchRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dukcapil:run", args=[run.pk])
    assert run.started_by == dinsos_operator


def test_a_kelurahan_run_needs_its_kelurahan(city, dinsos_operator):
    client = client_for(dinsos_operator)
    response = client.post(reverse("dukcapil:run-start"), {"source": "dkb", "scope": "kelurahan"})
    assert response.status_code == 400
    assert not MatchRun.objects.exists()


def test_the_run_page_shows_the_summary_chart_and_outcomes(run, dinsos_operator):
    page = client_for(dinsos_operator).get(reverse("dukcapil:run", args=[run.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="per-outcome"' in html and "<svg" in html
    assert f'data-kelurahan="{TUGU}"' in html and f'data-kelurahan="{DEPOK}"' in html
    assert html.count('data-outcome="nik_mistyped"') >= 2
    only = client_for(dinsos_operator).get(
        reverse("dukcapil:run", args=[run.pk]), {"outcome": "deceased"}
    )
    assert only.content.decode().count('class="outcome-row" data-outcome="deceased"') == 1


def test_a_puskesos_officer_sees_only_their_kelurahan(run, puskesos_a):
    client = client_for(puskesos_a)
    html = client.get(reverse("dukcapil:run", args=[run.pk])).content.decode()
    assert f'data-kelurahan="{DEPOK}"' in html
    assert f'data-kelurahan="{TUGU}"' not in html
    assert "Dewi Lestari" not in html  # a Tugu resident
    tugu = MatchOutcome.objects.get(run=run, person__full_name="Dewi Lestari")
    assert client.get(reverse("dukcapil:outcome", args=[tugu.pk])).status_code == 404
    assert client.get(reverse("dukcapil:run-start")).status_code in (403, 405)
    assert client.post(reverse("dukcapil:run-start"), {"scope": "all"}).status_code == 403


def test_the_review_queue_confirms_in_bulk(run, dinsos_operator):
    client = client_for(dinsos_operator)
    page = client.get(reverse("dukcapil:review"), {"outcome": "nik_mistyped"})
    html = page.content.decode()
    assert 'id="bulk-review"' in html
    assert html.count('name="outcome" value=') == 2
    ids = list(
        MatchOutcome.objects.filter(run=run, outcome="nik_mistyped").values_list("pk", flat=True)
    )
    response = client.post(reverse("dukcapil:review-bulk"), {"decision": "confirm", "outcome": ids})
    assert response.status_code == 302
    assert set(MatchOutcome.objects.filter(pk__in=ids).values_list("review_status", flat=True)) == {
        "confirmed"
    }


def test_the_outcome_page_puts_registry_and_dukcapil_side_by_side(run, dinsos_operator):
    outcome = MatchOutcome.objects.get(run=run, person__full_name="Rizky Pratama")
    html = client_for(dinsos_operator).get(reverse("dukcapil:outcome", args=[outcome.pk])).content
    assert b'id="side-by-side"' in html
    assert b'<tr class="error">' in html  # the differing birth date
    assert b'id="review"' not in html  # nothing to review on a plain difference


def test_a_death_is_confirmed_on_its_page(run, dinsos_operator):
    outcome = MatchOutcome.objects.get(run=run, person__full_name="Dewi Lestari")
    client = client_for(dinsos_operator)
    response = client.post(reverse("dukcapil:outcome", args=[outcome.pk]), {"decision": "confirm"})
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.review_status == "confirmed"
    assert outcome.person.is_deceased


def test_an_auditor_reads_but_does_not_review(run, auditor_user):
    outcome = MatchOutcome.objects.get(run=run, person__full_name="Dewi Lestari")
    client = client_for(auditor_user)
    assert client.get(reverse("dukcapil:outcome", args=[outcome.pk])).status_code == 200
    page = reverse("dukcapil:outcome", args=[outcome.pk])
    assert client.post(page, {"decision": "confirm"}).status_code == 403
    bulk = {"decision": "confirm", "outcome": [outcome.pk]}
    assert client.post(reverse("dukcapil:review-bulk"), bulk).status_code == 403
    outcome.refresh_from_db()
    assert outcome.review_status == "pending"


def test_nik_numbers_are_masked_for_roles_without_pii(run, auditor_user, puskesos_a):
    budi = MatchOutcome.objects.get(run=run, person__full_name="Budi Santoso")
    url = reverse("dukcapil:outcome", args=[budi.pk])
    html = client_for(auditor_user).get(url).content.decode()
    assert budi.person.nik not in html
    assert budi.person.nik[:4] + "\u2022" in html
    # An officer who may see full numbers sees them, and the view is logged.
    assert budi.person.nik in client_for(puskesos_a).get(url).content.decode()
    assert AuditEntry.objects.filter(action="pii.view", actor=puskesos_a).exists()


@pytest.mark.parametrize("persona", ["leader", "dinkes_officer", "disrumkim_officer"])
def test_roles_without_matching_rights_are_refused(run, persona, request):
    client = client_for(request.getfixturevalue(persona))
    outcome = MatchOutcome.objects.filter(run=run).first()
    for url in (
        reverse("dukcapil:runs"),
        reverse("dukcapil:run", args=[run.pk]),
        reverse("dukcapil:review"),
        reverse("dukcapil:outcome", args=[outcome.pk]),
        reverse("dukcapil:extracts"),
    ):
        assert client.get(url).status_code == 403, url


def test_an_extract_is_uploaded_and_its_load_is_started(dinsos_operator):
    born = date(1990, 1, 1)
    content = dkb_csv([dkb_row(nik=make_nik(born, "M", 3), kk=make_kk(3), name="A", born=born)])
    client = client_for(dinsos_operator)
    response = client.post(
        reverse("dukcapil:extracts"),
        {"semester": "2026-1", "file": SimpleUploadedFile("dkb.csv", content)},
    )
    extract = DkbExtract.objects.get()
    assert response.status_code == 302
    assert (extract.status, extract.semester, extract.source_name) == (
        "loading",
        "2026-1",
        "dkb.csv",
    )
    page = client.get(reverse("dukcapil:extract", args=[extract.pk]))
    assert b'id="job-progress"' in page.content


def test_a_puskesos_officer_cannot_upload_extracts(puskesos_a):
    assert client_for(puskesos_a).get(reverse("dukcapil:extracts")).status_code == 403
