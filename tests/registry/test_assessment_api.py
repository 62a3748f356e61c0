from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from depok_kds.models import User
from registry.models import Assessment, Household, Ruleset
from tests.conftest import ApiClientFactory
from tests.registry.factories import KELURAHAN_DEPOK, KELURAHAN_TUGU
from tests.registry.test_services_assessments import POOR_24, answers, record, register

pytestmark = pytest.mark.django_db


def keyed(key: str) -> APIClient:
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return http


def assessments_url(household: Household) -> str:
    return f"/api/v1/registry/households/{household.pk}/assessments/"


def detail_url(household: Household) -> str:
    return f"/api/v1/registry/households/{household.pk}/"


def test_household_detail_includes_the_current_assessment(
    api_client_factory: ApiClientFactory,
) -> None:
    household = register()
    _, key = api_client_factory(["registry:read"])
    http = keyed(key)
    assert http.get(detail_url(household)).json()["current_assessment"] is None

    record(None, household, answers=answers(**POOR_24))

    body = http.get(detail_url(household)).json()
    assert body["current_assessment"] == {
        "poverty_class": "rentan",
        "score": "24.00",
        "max_score": "62.00",
        "ruleset_version": "PROVISIONAL-2026.1",
        "is_provisional": True,
        "assessed_on": household.assessments.get().assessed_on.isoformat(),
    }
    assert body["poverty_class"] == "rentan"
    assert body["members"][0]["nik"].count("•") == 8  # still masked without pii:read


def test_record_through_the_api(api_client_factory: ApiClientFactory) -> None:
    household = register()
    client, key = api_client_factory(["registry:write"], kelurahan_codes=[KELURAHAN_DEPOK])

    response = keyed(key).post(
        assessments_url(household),
        {
            "answers": answers(**POOR_24, sewage="pit", dependants="two_to_three"),
            "source": "self_report",
            "assessed_on": "2026-04-01",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["poverty_class"], body["score"], body["is_current"]) == ("miskin", "26.00", True)
    assert body["source"] == "self_report" and body["assessed_on"] == "2026-04-01"
    assert body["assessor"] == client.user.username
    assert body["contributions"][0] == {
        "parameter": "income",
        "option": "below_poverty_line",
        "points": 10,
    }
    assert body["explanation"][0].startswith("Skor 26 dari 62: kelas Miskin")
    assert Assessment.objects.get(household=household).assessor == client.user


def test_record_refusal_names_the_parameter(api_client_factory: ApiClientFactory) -> None:
    _, key = api_client_factory(["registry:write"])
    response = keyed(key).post(
        assessments_url(register()),
        {"answers": answers(roof="genteng_bocor"), "source": "field_visit"},
        format="json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_option"
    assert error["details"] == {"field": "roof", "parameters": ["roof"]}
    assert "'genteng_bocor'" in error["message"]
    assert not Assessment.objects.exists()


def test_bad_input_shape_is_refused(api_client_factory: ApiClientFactory) -> None:
    _, key = api_client_factory(["registry:write"])
    response = keyed(key).post(
        assessments_url(register()), {"answers": {}, "source": "rescore"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"answers", "source"}


def test_history_newest_first(api_client_factory: ApiClientFactory) -> None:
    household = register()
    first = record(None, household, answers=answers())
    second = record(None, household, answers=answers(**POOR_24))
    _, key = api_client_factory(["registry:read"])

    body = keyed(key).get(assessments_url(household)).json()

    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk]
    assert [row["is_current"] for row in body["results"]] == [True, False]
    assert body["results"][1]["poverty_class"] == "tidak_miskin"
    assert body["results"][0]["answers"] == answers(**POOR_24)


def test_scopes_and_kelurahan_are_enforced(
    api_client_factory: ApiClientFactory, dinkes_officer: User, puskesos_a: User
) -> None:
    household = register()  # kelurahan Depok
    payload = {"answers": answers(), "source": "field_visit"}
    _, read_key = api_client_factory(["registry:read"])
    assert (
        keyed(read_key).post(assessments_url(household), payload, format="json").status_code == 403
    )
    _, tugu_key = api_client_factory(
        ["registry:read", "registry:write"], kelurahan_codes=[KELURAHAN_TUGU]
    )
    tugu = keyed(tugu_key)
    assert tugu.get(assessments_url(household)).status_code == 404
    assert tugu.post(assessments_url(household), payload, format="json").status_code == 404
    _, nothing = api_client_factory([])
    assert keyed(nothing).get(assessments_url(household)).status_code == 403
    session = APIClient()
    session.force_authenticate(dinkes_officer)  # may read, may not record
    assert session.get(assessments_url(household)).status_code == 200
    assert session.post(assessments_url(household), payload, format="json").status_code == 403
    session.force_authenticate(puskesos_a)
    assert session.post(assessments_url(household), payload, format="json").status_code == 201
    assert Assessment.objects.get().assessor == puskesos_a


def test_record_without_an_active_ruleset_is_refused(
    api_client_factory: ApiClientFactory,
) -> None:
    Ruleset.objects.update(status=Ruleset.Status.RETIRED)
    _, key = api_client_factory(["registry:write"])
    response = keyed(key).post(
        assessments_url(register()), {"answers": answers(), "source": "field_visit"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_active_ruleset"
