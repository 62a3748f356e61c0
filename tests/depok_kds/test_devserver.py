"""The development server (`manage.py runserver`, what `make run` serves) keeps no
database connection once a request is answered."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection

from tests.processes import free_port

REQUESTS = 40


def http_status(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def wait_until_serving(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped with code {process.returncode}")
        try:
            http_status(url)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def other_connections() -> int:
    with connection.cursor() as cursor:
        # Inside the test's transaction the statistics are a snapshot unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


@pytest.fixture
def dev_server(db: None) -> Iterator[str]:
    """`manage.py runserver` on the test database, as a process of its own."""
    port = free_port()
    env = {
        **os.environ,
        "KDS_DATABASE_NAME": connection.settings_dict["NAME"],
        "DATABASE_CONN_MAX_AGE": "60",
        "DJANGO_SETTINGS_MODULE": "depok_kds.settings",
    }
    # With garbage collection off, a connection left to it stays open instead of closing at
    # a moment of the collector's choosing: the test sees every connection left behind.
    serve = (
        "import gc; gc.disable(); from django.core.management import execute_from_command_line;"
        f"execute_from_command_line(['manage.py', 'runserver', '127.0.0.1:{port}', '--noreload'])"
    )
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", serve],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{url}/login/", server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_development_server_keeps_no_connection_per_request(dev_server):
    before = other_connections()
    # Each request asks the database for the (unknown) key: a connection per request thread.
    for _ in range(REQUESTS):
        status = http_status(
            f"{dev_server}/api/v1/jobs/1/", {"Authorization": "Bearer kds_nope_nope"}
        )
        assert status == 401
    time.sleep(1)
    assert other_connections() - before <= 1
