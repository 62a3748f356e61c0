"""The API base: keys, scopes, throttling, the error body, call logging, the schema."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from depok_kds.api_clients import api_client_revoke
from depok_kds.models import ApiCallLog, ApiClient, Job

pytestmark = pytest.mark.django_db


def api_get(path: str, key: str | None = None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client().get(path, headers=headers)


@pytest.fixture
def job(db):
    return Job.objects.create(kind="depok_kds.demo_count", shared=True)  # a city-wide job


def assert_error_body(response, status: int):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "details"} <= set(body["error"])


def test_missing_key_is_401_in_the_standard_body(job):
    assert_error_body(api_get(f"/api/v1/jobs/{job.pk}/"), 401)


def test_wrong_key_is_401(job, api_client_factory):
    _, key = api_client_factory(["jobs:read"])
    assert_error_body(api_get(f"/api/v1/jobs/{job.pk}/", key[:-2] + "xx"), 401)
    assert_error_body(api_get(f"/api/v1/jobs/{job.pk}/", "kds_nothing"), 401)


def test_revoked_key_is_401(job, api_client_factory):
    client, key = api_client_factory(["jobs:read"])
    assert api_get(f"/api/v1/jobs/{job.pk}/", key).status_code == 200
    api_client_revoke(client=client, actor=None)
    assert_error_body(api_get(f"/api/v1/jobs/{job.pk}/", key), 401)


def test_a_key_of_a_deactivated_user_or_changed_scopes_is_refused_at_once(job, api_client_factory):
    client, key = api_client_factory(["jobs:read"])
    assert api_get(f"/api/v1/jobs/{job.pk}/", key).status_code == 200
    ApiClient.objects.filter(pk=client.pk).update(scopes=["registry:read"])
    assert_error_body(api_get(f"/api/v1/jobs/{job.pk}/", key), 403)
    client.user.is_active = False
    client.user.save(update_fields=["is_active"])
    assert_error_body(api_get(f"/api/v1/jobs/{job.pk}/", key), 401)


def test_key_without_the_scope_is_403(job, api_client_factory):
    _, key = api_client_factory(["registry:read"])
    assert_error_body(api_get(f"/api/v1/jobs/{job.pk}/", key), 403)


def test_job_status_endpoint(job, api_client_factory):
    _, key = api_client_factory(["jobs:read"])
    body = api_get(f"/api/v1/jobs/{job.pk}/", key).json()
    assert body["status"] == "queued"
    assert body["percent"] == 0


def test_unknown_api_route_is_404_in_the_standard_body(api_client_factory):
    _, key = api_client_factory(["jobs:read"])
    assert_error_body(api_get("/api/v1/no-such-thing/", key), 404)


def test_every_client_call_is_logged(job, api_client_factory):
    client, key = api_client_factory(["jobs:read"])
    api_get(f"/api/v1/jobs/{job.pk}/", key)
    api_get("/api/v1/jobs/999999/", key)
    logs = ApiCallLog.objects.filter(client=client).order_by("created_at")
    assert [(log.path, log.status_code) for log in logs] == [
        (f"/api/v1/jobs/{job.pk}/", 200),
        ("/api/v1/jobs/999999/", 404),
    ]
    assert all(log.duration_ms >= 0 for log in logs)


def test_clients_are_throttled_per_client(job, api_client_factory):
    cache.clear()
    _, slow_key = api_client_factory(["jobs:read"], rate="2/min")
    _, other_key = api_client_factory(["jobs:read"], rate="2/min")
    codes = [api_get(f"/api/v1/jobs/{job.pk}/", slow_key).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert_error_body(api_get(f"/api/v1/jobs/{job.pk}/", slow_key), 429)
    assert api_get(f"/api/v1/jobs/{job.pk}/", other_key).status_code == 200


def test_create_api_client_command_prints_the_key_once(capsys, job):
    call_command("create_api_client", "sipd", "--scopes", "jobs:read,registry:read")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    client = ApiClient.objects.get(name="sipd")
    assert client.scopes == ["jobs:read", "registry:read"]
    assert key not in client.key_hash
    # Neither an agency nor a kelurahan, and not explicitly city-wide: it sees nothing.
    assert api_get(f"/api/v1/jobs/{job.pk}/", key).status_code == 404
    call_command("create_api_client", "sipd-kota", "--scopes", "jobs:read,city:all")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert api_get(f"/api/v1/jobs/{job.pk}/", key).status_code == 200


def test_unknown_scope_is_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_client", "x", "--scopes", "everything:write")


def test_openapi_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/redoc/").status_code == 200
