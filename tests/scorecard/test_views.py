"""Who may open the scorecard's pages: counts for Dinsos, Puskesos (own kelurahan),
leadership (aggregates) and auditors; the lists for those who see rows, Puskesos only
their kelurahan's; counting now for Dinsos; nothing for agencies and outsiders."""

from __future__ import annotations

import pytest
from django.test import Client

from depok_kds.models import Job
from programs.scorecard.services import scorecard_snapshot_take
from registry.nik import today_wib
from tests.registry.factories import (
    KELURAHAN_DEPOK,
    KELURAHAN_TUGU,
    HouseholdFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db
INDEX, MEASURE = "/scorecard/", "/scorecard/nik_missing/"
DEPOK_LIST = f"/scorecard/nik_missing/{KELURAHAN_DEPOK}/"
TUGU_LIST = f"/scorecard/nik_missing/{KELURAHAN_TUGU}/"


@pytest.fixture
def counted() -> dict[str, int]:
    depok = PersonFactory(
        household=HouseholdFactory(kelurahan_id=KELURAHAN_DEPOK),
        nik=None, nik_status="missing", full_name="Budi Santoso",
    )  # fmt: skip
    tugu = PersonFactory(
        household=HouseholdFactory(kelurahan_id=KELURAHAN_TUGU),
        nik=None, nik_status="missing", full_name="Joko Widodo",
    )  # fmt: skip
    scorecard_snapshot_take(on=today_wib())
    return {"depok": depok.pk, "tugu": tugu.pk}


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


EXPECTED = {
    # persona: (index, measure page, Depok list, Tugu list, run)
    "dinsos_admin": (200, 200, 200, 200, 302),
    "dinsos_operator": (200, 200, 200, 200, 302),
    "puskesos_a": (200, 200, 200, 404, 403),
    "puskesos_b": (200, 200, 404, 200, 403),
    "leader": (200, 200, 403, 403, 403),
    "auditor_user": (200, 200, 200, 200, 403),
    "dinkes_officer": (403, 403, 403, 403, 403),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_access_per_persona(counted, persona, request):
    client = _client(request.getfixturevalue(persona))
    got = (
        client.get(INDEX).status_code,
        client.get(MEASURE).status_code,
        client.get(DEPOK_LIST).status_code,
        client.get(TUGU_LIST).status_code,
        client.post("/scorecard/run/").status_code,
    )
    assert got == EXPECTED[persona]


def test_anonymous_visitors_go_to_the_login_page(counted):
    for path in (INDEX, MEASURE, DEPOK_LIST):
        response = Client().get(path)
        assert response.status_code == 302 and "login" in response["Location"]


def test_puskesos_counts_and_lists_only_their_kelurahan(counted, puskesos_a):
    client = _client(puskesos_a)
    body = client.get(INDEX).content.decode()
    assert f'data-kelurahan="{KELURAHAN_DEPOK}"' in body
    assert f'data-kelurahan="{KELURAHAN_TUGU}"' not in body
    listed = client.get(DEPOK_LIST).content.decode()
    assert "Budi Santoso" in listed and "Joko Widodo" not in listed
    assert "/registry/households/" in listed  # each row links to its fix


def test_leadership_sees_the_ranking_of_the_city_but_no_person(counted, leader):
    body = _client(leader).get(MEASURE).content.decode()
    assert (
        f'data-kelurahan="{KELURAHAN_DEPOK}"' in body
        and f'data-kelurahan="{KELURAHAN_TUGU}"' in body
    )
    assert "Budi" not in body and "Joko" not in body


def test_dinsos_counts_now_as_a_job(counted, dinsos_operator):
    response = _client(dinsos_operator).post("/scorecard/run/")
    job = Job.objects.get(kind="scorecard.snapshot")
    assert response["Location"] == f"/jobs/{job.pk}/"
