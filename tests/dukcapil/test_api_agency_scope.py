"""An agency-scoped key reads the Dukcapil outcomes of the persons its agency's programmes
hold or are deciding, not the city's."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from programs.services import application_submit
from registry.dukcapil import selectors
from registry.dukcapil.models import MatchOutcome, MatchRun
from tests.dukcapil.conftest import run_to_end
from tests.programs.factories import KIS, applicant, open_cycle

pytestmark = pytest.mark.django_db


def api(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def run(city, dinsos_operator) -> MatchRun:
    """The city's run, with one more person whom Dinkes is deciding on (a KIS application)."""
    person = applicant(full_name="Agus Kurniawan")
    application_submit(
        actor=None,
        cycle_id=open_cycle("kis-pbi-apbd").pk,
        person_id=person.pk,
        channel="puskesos",
        detail=KIS,
    )
    return run_to_end(dinsos_operator)


def _names(key: str, run: MatchRun) -> set[str]:
    page = api(key).get(reverse("dukcapil_api:run-outcomes", args=[run.pk]))
    assert page.status_code == 200
    return {r["full_name"] for r in page.json()["results"]}


def test_an_agency_key_reads_the_outcomes_of_its_programmes_persons_only(run, api_client_factory):
    assert MatchOutcome.objects.filter(run=run).count() > 1
    _, dinkes = api_client_factory(["dukcapil:read", "dukcapil:write"], agency_code="DINKES")
    assert _names(dinkes, run) == {"Agus Kurniawan"}
    summary = api(dinkes).get(reverse("dukcapil_api:run-detail", args=[run.pk])).json()["summary"]
    assert summary["persons"] == 1

    _, disrumkim = api_client_factory(["dukcapil:read"], agency_code="DISRUMKIM")
    assert _names(disrumkim, run) == set()
    other = MatchOutcome.objects.filter(run=run, review_status="pending").exclude(
        person__full_name="Agus Kurniawan"
    )[0]
    review = reverse("dukcapil_api:outcome-review", args=[other.pk])
    assert api(dinkes).post(review, {"decision": "confirm"}).status_code == 404

    _, city_wide = api_client_factory(["dukcapil:read"])
    assert len(_names(city_wide, run)) > 1


def test_without_a_source_of_agency_persons_an_agency_key_sees_nothing(
    run, api_client_factory, monkeypatch
):
    monkeypatch.setattr(selectors, "AGENCY_PERSONS", [])
    _, dinkes = api_client_factory(["dukcapil:read"], agency_code="DINKES")
    assert _names(dinkes, run) == set()
