"""Every API list pages with limit/offset and refuses a page larger than the maximum."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import yaml
from django.conf import settings
from django.test import Client, override_settings

from depok_kds.api_clients import SCOPES
from verification.models import Complaint
from verification.services import complaint_receive

LISTS = [
    "/api/v1/overlap/findings/",
    "/api/v1/verification/visits/",
    "/api/v1/verification/complaints/",
    "/api/v1/dukcapil/runs/",
    "/api/v1/dukcapil/extracts/",
    "/api/v1/programs/enrolments/?household=1",
]


@pytest.fixture
def api(api_client_factory) -> Client:
    _client, key = api_client_factory(list(SCOPES))
    return Client(headers={"Authorization": f"Bearer {key}"})


def _get(api: Client, path: str, **params: str):
    return api.get(path + ("&" if "?" in path else "?") + urlencode(params))


@pytest.mark.parametrize("path", LISTS)
def test_a_list_refuses_a_page_above_the_maximum(api, path):
    maximum = settings.KDS_API_MAX_PAGE_SIZE
    for limit in ("99999999999999999999", str(maximum + 1)):
        response = _get(api, path, limit=limit)
        assert response.status_code == 400, limit
        assert response.json()["error"]["details"]["limit"]
    page = _get(api, path, limit=str(maximum)).json()
    assert set(page) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "-1"}, {"limit": "ten"}, {"offset": "-5"}, {"offset": "1e9"}],
)
def test_a_limit_or_offset_that_is_no_whole_number_in_range_is_refused(api, params):
    response = _get(api, "/api/v1/overlap/findings/", **params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_an_offset_past_the_bound_is_refused_not_a_server_error(api):
    assert _get(api, "/api/v1/dukcapil/runs/", offset="99999999999999999999").status_code == 400


def test_pages_follow_each_other(api, dinsos_operator):
    for n in range(3):
        complaint_receive(
            actor=dinsos_operator,
            kind=Complaint.Kind.COMPLAINT,
            category="service",
            channel=Complaint.Channel.API,
            description=f"Keluhan {n}",
            kelurahan_code="32.76.01.1006",
        )
    first = _get(api, "/api/v1/verification/complaints/", limit="2").json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None


def test_the_schema_states_the_maximum_for_every_paged_list(client, db):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    limits = [
        parameter
        for operations in schema["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "limit"
    ]
    assert len(limits) >= len(LISTS) + 2  # and the cycle's enrolments, a run's outcomes
    for limit in limits:
        assert limit["schema"]["maximum"] == settings.KDS_API_MAX_PAGE_SIZE
        assert limit["schema"]["minimum"] == 1


@override_settings(DEBUG=True)
def test_an_unknown_api_path_answers_with_the_error_body_in_development_too(api):
    response = api.get("/api/v1/jobs/null,null/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
