"""The embedded PostgreSQL server runs with the memory and WAL settings of the registry."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from depok_kds.embedded_db import SERVER_SETTINGS

pytestmark = pytest.mark.django_db


@pytest.mark.skipif("DATABASE_URL" in os.environ, reason="a server configured by its owner")
def test_the_embedded_server_runs_with_the_registry_settings():
    with connection.cursor() as cursor:
        for name, value in SERVER_SETTINGS.items():
            cursor.execute(f"SHOW {name}")
            assert cursor.fetchone() == (value,), name
