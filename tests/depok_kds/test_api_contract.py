"""The API holds its published contract: Schemathesis generates requests from /api/schema/.

Every operation is called in-process (WSGI) with requests built from the schema, as a
client holding every scope, on a small demo registry. No answer may be a server error, and
every answer must be documented: its status code, its content type and its body's shape.
Bounded: a few examples per operation, no shrinking; the whole run takes about a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from depok_kds.api_clients import SCOPES, api_client_create
from depok_kds.wsgi import application

# A NUL byte in a query parameter is refused once for every route, and tested there.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
]
EXAMPLES_PER_OPERATION = 12


@pytest.fixture
def api_schema(db: None) -> Iterator[schemathesis.BaseSchema]:
    # The WSGI handler would close the test's connection (and its transaction) after each
    # request; Django's own test client unhooks the same signal handler.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        call_command("seed_demo", households=24, seed=7, verbosity=0)
        _client, key = api_client_create(name="contract", scopes=list(SCOPES), rate="100000/min")
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
        schema.config.headers = {"Authorization": f"Bearer {key}"}
        schema.config.generation.update(
            max_examples=EXAMPLES_PER_OPERATION,
            no_shrink=True,
            deterministic=True,
            allow_x00=False,
            database="none",
        )
        schema.config.checks.update(included_check_names=CHECKS)
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_keeps_the_published_contract(case: schemathesis.Case) -> None:
    case.call_and_validate()
