"""API load: gunicorn as production runs it, `size` concurrent API clients, and its limit.

Setup (not timed): a synthetic city of 100 households per client (20,000 at the default
size), API keys with the read scopes, a finished job for each key to poll. Then gunicorn is
started with the production profile and its own configuration (`deploy/gunicorn.conf.py`:
its worker count for this machine) on a loopback port, and a bounded asyncio client keeps
`size` connections busy for `seconds` (60 at the default size; a smoke run's few clients
get a few seconds) with a mix of NIK lookups, household details, job polls and the
recipients report. Each request is timed alone; `errors` counts anything but a 200.

The limit, in the same run and against the same server: the same clients and duration on a
minimal API view that does the NIK lookup's one indexed query behind the same middleware,
authentication and throttling (`benchmarks/api_load_urls.py`) -> `limit_rps`, and the
ratio `rps / limit_rps`.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

from benchmarks.harness import BASE_DIR, Context
from benchmarks.http_load import NextRequest, free_port, load, percentile
from depok_kds.api_clients import api_client_create
from depok_kds.models import Job
from registry.models import Person
from registry.synthetic.load import synthetic_city_load

DEFAULT_SIZE = 200
SMOKE_SIZE = 10
SMOKE_CEILING_SECONDS = 240
HOUSEHOLDS_PER_CLIENT = 100  # 20,000 households at the default size
KEYS = 20
MIX = (("lookup", 5), ("household", 3), ("job", 1), ("report", 1))
AT_MOST = 2_000_000  # a bound on top of the time bound
SETTINGS = "benchmarks.api_load_settings"


def _requests(
    paths: list[tuple[str, str]], keys: dict[str, int]
) -> Callable[[random.Random], NextRequest]:
    """Per client: one key, and a random path of `paths` at each request (a key polls its
    own job: others' are not visible to it)."""

    def for_client(rng: random.Random) -> NextRequest:
        key = rng.choice(sorted(keys))

        def next_request() -> tuple[str, bytes]:
            kind, path = rng.choice(paths)
            return kind, (
                f"GET {path.format(job=keys[key])} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {key}\r\nX-Forwarded-Proto: https\r\n"
                "Accept: application/json\r\n\r\n"
            ).encode()

        return next_request

    return for_client


def _paths(rng: random.Random) -> list[tuple[str, str]]:
    persons = list(
        Person.objects.filter(nik__isnull=False, household__isnull=False)
        .order_by("?")
        .values_list("nik", "household_id")[:2_000]
    )
    year = time.localtime().tm_year
    paths: list[tuple[str, str]] = []
    for kind, weight in MIX:
        for _ in range(weight * 200):
            nik, household = rng.choice(persons)
            paths.append(
                (
                    kind,
                    {
                        "lookup": f"/api/v1/registry/persons/?nik={nik}",
                        "household": f"/api/v1/registry/households/{household}/",
                        "job": "/api/v1/jobs/{job}/",
                        "report": f"/api/v1/programs/report/?years={year - 1},{year}",
                    }[kind],
                )
            )
    return paths


def start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "KDS_PROFILE": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    with log.open("wb") as handle:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
             "--access-logfile", "/dev/null"],
            cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=handle,
        )  # fmt: skip
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn ended at start: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start listening within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn as a supervisor would (its workers close their connections)."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def _warm_up(port: int, paths: list[tuple[str, str]], keys: dict[str, int], clients: int) -> None:
    """Rounds of the mix until every worker has loaded the project and answers promptly (a
    worker's first request waits for it to import everything), for two minutes at most."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        tally, _ = load(port, _requests(paths, keys), clients=clients, seconds=3)
        if tally.requests and max(tally.all_ms()) < 3_000:
            return


class Connections:
    """Server connections to the bench database, counted on a connection of its own (not
    counted): before gunicorn starts, the most seen while it serves, after it stops."""

    def __init__(self) -> None:
        self.raw = connection.get_new_connection(connection.get_connection_params())
        self.raw.autocommit = True
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def count(self) -> int:
        with self.raw.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return int(cursor.fetchone()[0])

    def watch(self) -> None:
        def sample() -> None:
            while not self._stop.wait(0.2):
                self.peak = max(self.peak, self.count())

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()

    def settled(self, baseline: int, *, within: float = 10.0) -> int:
        """The count once it is back to `baseline` (closing connections take a moment), or
        after `within` seconds: a count still above then is a leak."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        deadline = time.monotonic() + within
        while (found := self.count()) > baseline and time.monotonic() < deadline:
            time.sleep(0.2)
        return found


def run(ctx: Context) -> dict[str, Any]:
    clients = ctx.size
    seconds = min(60, max(5, clients // 3))
    synthetic_city_load(
        households=HOUSEHOLDS_PER_CLIENT * clients,
        progress=lambda done, total: ctx.progress(done, total, "seed"),
    )
    keys: dict[str, int] = {}  # each key with the job it polls
    for number in range(KEYS):
        client, key = api_client_create(
            name=f"bench-load-{number}",
            scopes=["registry:read", "programs:read", "jobs:read", "city:all"],
            rate="1000000/min",
        )
        keys[key] = Job.objects.create(
            kind="bench", requested_by=client.user, status=Job.Status.SUCCEEDED
        ).pk
    rng = random.Random(17)
    mix = _paths(rng)
    limit_paths = [("limit", path.replace("registry/persons/", "bench/limit/"))
                   for kind, path in mix if kind == "lookup"]  # fmt: skip
    port = free_port()
    connections = Connections()
    before = connections.count()
    with tempfile.TemporaryDirectory(prefix="kds-api-load-") as folder:
        log = Path(folder) / "gunicorn.log"
        server = start_server(port, log)
        connections.watch()
        try:
            _warm_up(port, mix, keys, clients)
            ctx.progress(0, 2, "API mix")
            tally, elapsed = load(
                port, _requests(mix, keys), clients=clients, seconds=seconds, at_most=AT_MOST
            )
            ctx.progress(1, 2, "limit view")
            limit, limit_elapsed = load(
                port,
                _requests(limit_paths, keys),
                clients=clients,
                seconds=seconds,
                at_most=AT_MOST,
            )
            ctx.progress(2, 2, "limit view")
        finally:
            stop_server(server)
    after = connections.settled(before)
    connections.raw.close()
    figures = tally.figures(elapsed)
    limit_figures = limit.figures(limit_elapsed)
    return {
        **figures,
        "seconds": round(elapsed, 1),
        "clients": clients,
        "per_kind_p99_ms": {
            kind: percentile(values, 99) for kind, values in sorted(tally.latencies.items())
        },
        "statuses": dict(tally.statuses),
        "limit_rps": limit_figures["rps"],
        "limit_p99_ms": limit_figures["p99_ms"],
        "limit_errors": limit_figures["errors"],
        "ratio_to_limit": round(figures["rps"] / max(limit_figures["rps"], 0.1), 3),
        # One per gunicorn worker at most while it serves (CONN_MAX_AGE keeps it open); none
        # left once it has stopped.
        "connections_before": before,
        "connections_peak": connections.peak,
        "connections_after": after,
        "gunicorn_workers": _workers(),
    }


def _workers() -> int:
    env = {**os.environ, "PYTHONPATH": str(BASE_DIR)}
    found = subprocess.run(
        [sys.executable, "-c", "import runpy; print(runpy.run_path("
         "'deploy/gunicorn.conf.py')['workers'])"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(found.stdout)


def smoke_problems(report: dict[str, Any]) -> list[str]:
    problems = []
    if report["errors"] or report["limit_errors"]:
        problems.append(f"errors: {report['statuses']}, limit errors {report['limit_errors']}")
    if not report["requests"]:
        problems.append("no request answered")
    if report["connections_after"] > report["connections_before"]:
        problems.append(
            f"database connections leaked: {report['connections_before']} before, "
            f"{report['connections_after']} after gunicorn stopped"
        )
    if report["connections_peak"] - report["connections_before"] > report["gunicorn_workers"]:
        problems.append(
            f"more database connections than gunicorn workers: {report['connections_peak']} "
            f"at peak ({report['connections_before']} before, "
            f"{report['gunicorn_workers']} workers)"
        )
    return problems
