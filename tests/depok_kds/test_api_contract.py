"""The API holds its published contract: Schemathesis generates requests from /api/schema/.

Every operation is called in-process (WSGI) with requests built from the schema, as a
client holding every scope, on a small demo registry. No answer may be a server error, and
every answer must be documented: its status code, its content type and its body's shape.
Bounded: a few examples per operation and mode (valid and invalid requests), no shrinking;
the whole run takes a minute or two.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.schemas import APIOperation

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
EXAMPLES_PER_OPERATION = 10


@pytest.fixture
def api_key(db: None) -> Iterator[str]:
    """A key of every scope on a small demo registry, with the WSGI app safe to call."""
    # The WSGI handler would close the test's connection (and its transaction) after each
    # request; Django's own test client unhooks the same signal handler.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        call_command("seed_demo", households=24, seed=7, verbosity=0)
        _client, key = api_client_create(name="contract", scopes=list(SCOPES), rate="100000/min")
        yield key
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _failures(operation: APIOperation, mode: GenerationMode, headers: dict[str, str]) -> str:
    """The first way `operation` breaks its contract in `mode`, or ""."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode))
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers)

    try:
        call()
    except Exception as failure:
        return f"{mode} {operation.method.upper()} {operation.path}:\n{failure}"
    return ""


def test_every_operation_keeps_the_published_contract(api_key):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    schema.config.generation.update(allow_x00=False)
    schema.config.checks.update(included_check_names=CHECKS)
    headers = {"Authorization": f"Bearer {api_key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35
    failures = [
        failure
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (failure := _failures(operation, mode, headers))
    ]
    assert not failures, f"{len(failures)} broken:\n\n" + "\n\n".join(failures)
