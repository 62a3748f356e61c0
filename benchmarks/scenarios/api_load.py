"""API load: gunicorn as production runs it, `size` API clients, and its limit.

Setup (not timed): a synthetic city of 100 households per client (20,000 at the default
size), API keys with the read scopes, a finished job for each key to poll. Then gunicorn is
started with the production profile and its own configuration (`deploy/gunicorn.conf.py`:
its worker count for this machine) on a loopback port, and warmed up. Four phases of
`seconds` each (60 at the default size; a smoke run's few clients get a few seconds), with
the `size` clients (definitions in benchmarks/README.md, "HTTP load"):

1. The limit at saturation: closed loop on a minimal API view that does the NIK lookup's
   one indexed query behind the same middleware, authentication and throttling
   (`benchmarks/api_load_urls.py`) -> `limit_rps`.
2. The mix at saturation: closed loop on a mix of NIK lookups, household details, job polls
   and the recipients report -> `saturation_rps`, `saturation_ratio_to_limit`.
3. The mix paced: the clients together offer PACE_SHARE x `limit_rps` (Poisson arrivals)
   -> `rps` (answered), `p50_ms`/`p95_ms`/`p99_ms`, `lookup_p99_ms`, `per_kind`, `errors`,
   and `ratio_to_limit` = `rps / limit_rps`.
4. The limit view paced at the same rate -> `limit_paced_p99_ms`: the latency the stack
   itself gives at that rate, the floor of phase 3's.

`goals_met` checks issue 17's goals: no errors (and nothing left unsent), lookups' p99 under
LOOKUP_P99_GOAL_MS, and the mix answered at PACE_SHARE of the limit. `load_average_by_phase`
gives the 1-minute load average at each phase's start and end.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

from benchmarks.harness import BASE_DIR, Context, load_average
from benchmarks.http_load import (
    ClientRequests,
    NextRequest,
    free_port,
    load,
    paced_load,
    saturation_figures,
)
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
PACE_SHARE = 0.7  # the paced mix offers this share of `limit_rps`: the throughput goal
LOOKUP_P99_GOAL_MS = 100


def _requests(paths: list[tuple[str, str]], keys: dict[str, int]) -> ClientRequests:
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


def _persons() -> list[tuple[str, int]]:
    return [
        (str(nik), household)
        for nik, household in Person.objects.filter(nik__isnull=False, household__isnull=False)
        .order_by("?")
        .values_list("nik", "household_id")[:2_000]
    ]


def _limit_paths(rng: random.Random, persons: list[tuple[str, int]]) -> list[str]:
    return [f"/api/v1/bench/limit/?nik={rng.choice(persons)[0]}" for _ in range(1_000)]


def _paths(rng: random.Random, persons: list[tuple[str, int]]) -> list[tuple[str, str]]:
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


def warm_up(port: int, requests: ClientRequests, clients: int) -> None:
    """Rounds of `requests` until every worker has loaded the project and answers promptly
    (a worker's first request waits for it to import everything), two minutes at most."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        tally, _ = load(port, requests, clients=clients, seconds=3)
        if tally.requests and max(tally.all_ms()) < 3_000:
            return


class Phases:
    """The phases of a load, shown as progress, with the 1-minute load average at each
    one's start and end (a figure on a shared machine is read beside them), and the stack's
    CPU seconds in each (`cpu`, once given a `StackCpu`)."""

    def __init__(self, ctx: Context, total: int) -> None:
        self.ctx, self.total, self.done = ctx, total, 0
        self.load_averages: dict[str, list[float]] = {}
        self.cpu: StackCpu | None = None
        self.cpu_seconds: dict[str, float] = {}

    @contextmanager
    def run(self, name: str) -> Iterator[None]:
        self.ctx.progress(self.done, self.total, name)
        start = load_average()[0]
        cpu = self.cpu.seconds() if self.cpu else 0.0
        yield
        if self.cpu:
            self.cpu_seconds[name] = self.cpu.seconds() - cpu
        self.load_averages[name] = [start, load_average()[0]]
        self.done += 1
        self.ctx.progress(self.done, self.total, name)


class StackCpu:
    """CPU seconds the stack has spent: gunicorn (its master and workers, live or already
    restarted) and the database server's processes serving the bench database (its
    backends, live or exited), read from /proc. On a shared machine a phase's CPU time per
    request is far steadier than its requests per second."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid: int, raw: Any) -> None:
        self.server_pid, self.raw = server_pid, raw
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.postmaster_pid = self._stat(int(cursor.fetchone()[0]))[1]

    @classmethod
    def _stat(cls, pid: int) -> list[int]:
        """(state excluded) ppid, utime, stime, cutime, cstime of `pid`; zeros once gone."""
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            return [0, 0, 0, 0, 0]
        return [int(fields[1]), *(int(value) for value in fields[11:15])]

    def _own_and_reaped(self, pid: int) -> int:
        _ppid, *ticks = self._stat(pid)
        return sum(ticks)

    def _live(self, pid: int) -> int:
        return sum(self._stat(pid)[1:3])

    def seconds(self) -> float:
        """The stack's CPU seconds so far (only differences mean anything)."""
        children = Path(f"/proc/{self.server_pid}/task/{self.server_pid}/children")
        workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        with self.raw.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            backends = [int(row[0]) for row in cursor.fetchall()]
        # A parent's cutime/cstime holds its exited children's time: gunicorn's restarted
        # workers, the database's closed backends (of any database on the server: run
        # nothing else on it meanwhile).
        ticks = self._own_and_reaped(self.server_pid) + sum(map(self._live, workers))
        _ppid, _utime, _stime, cutime, cstime = self._stat(self.postmaster_pid)
        ticks += cutime + cstime + sum(map(self._live, backends))
        return ticks / self.TICKS


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
                # Client connections only: autovacuum after the seeding, and a query's
                # parallel workers, are the server's own.
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
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
    persons = _persons()
    mix = _requests(_paths(rng, persons), keys)
    limit_view = _requests([("limit", path) for path in _limit_paths(rng, persons)], keys)
    port = free_port()
    connections = Connections()
    before = connections.count()
    phases = Phases(ctx, 4)
    with tempfile.TemporaryDirectory(prefix="kds-api-load-") as folder:
        log = Path(folder) / "gunicorn.log"
        server = start_server(port, log)
        connections.watch()
        phases.cpu = StackCpu(server.pid, connections.raw)
        try:
            warm_up(port, mix, clients)
            warm_up(port, limit_view, clients)
            with phases.run("limit, saturation"):
                limit, limit_elapsed = load(
                    port, limit_view, clients=clients, seconds=seconds, at_most=AT_MOST
                )
            limit_figures = limit.figures(limit_elapsed)
            rate = PACE_SHARE * limit_figures["rps"]
            with phases.run("mix, saturation"):
                saturation, saturation_elapsed = load(
                    port, mix, clients=clients, seconds=seconds, at_most=AT_MOST
                )
            with phases.run("mix, paced"):
                paced = paced_load(port, mix, clients=clients, seconds=seconds, rate=rate)
            with phases.run("limit, paced"):
                limit_paced = paced_load(
                    port, limit_view, clients=clients, seconds=seconds, rate=rate
                )
        finally:
            stop_server(server)
    after = connections.settled(before)
    connections.raw.close()
    lookup_p99 = paced["per_kind"].get("lookup", {}).get("p99_ms", 0.0)
    ratio = paced["answered_rps"] / max(limit_figures["rps"], 0.1)
    cpu = _cpu_per_request(
        phases.cpu_seconds,
        {
            "limit, saturation": limit_figures,
            "mix, saturation": saturation.figures(saturation_elapsed),
            "mix, paced": paced,
            "limit, paced": limit_paced,
        },
    )
    return {
        **paced,
        "seconds": seconds,
        "clients": clients,
        "lookup_p99_ms": lookup_p99,
        "limit_rps": limit_figures["rps"],
        "limit_p99_ms": limit_figures["p99_ms"],
        "limit_errors": limit_figures["errors"] + limit_paced["errors"],
        "ratio_to_limit": round(ratio, 3),
        "pace_share": PACE_SHARE,
        "limit_paced_p50_ms": limit_paced["p50_ms"],
        "limit_paced_p99_ms": limit_paced["p99_ms"],
        "limit_paced_client_late_p99_ms": limit_paced["client_late_p99_ms"],
        **saturation_figures(saturation, saturation_elapsed, limit_figures["rps"]),
        "goals_met": {
            "no_errors": paced["errors"] == 0 and paced["unsent"] == 0,
            "lookup_p99_under_100_ms": lookup_p99 < LOOKUP_P99_GOAL_MS,
            # Every arrival answered: the mix served at PACE_SHARE of the limit (the count
            # of arrivals is exact, so nothing of the ratio is chance).
            "served_at_pace_share": paced["statuses"].get("200", 0) == round(rate * seconds),
        },
        "load_average_by_phase": phases.load_averages,
        **cpu,
        # One per gunicorn worker at most while it serves (CONN_MAX_AGE keeps it open); none
        # left once it has stopped.
        "connections_before": before,
        "connections_peak": connections.peak,
        "connections_after": after,
        "gunicorn_workers": _workers(),
    }


def _cpu_per_request(
    seconds: dict[str, float], figures: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Per phase, the stack's and the load's CPU milliseconds per request; and the
    saturation ratio those give (limit's CPU per request over the mix's, the load's own
    included): the ratio the two loads would reach on a machine left to them alone."""
    per_phase = {
        name: {
            "stack": round(seconds.get(name, 0.0) * 1000 / max(figures[name]["requests"], 1), 3),
            "load": figures[name]["client_cpu_ms_per_request"],
        }
        for name in figures
    }

    def whole(name: str) -> float:
        return float(per_phase[name]["stack"] + per_phase[name]["load"])

    return {
        "cpu_ms_per_request_by_phase": per_phase,
        "cpu_ratio_to_limit": round(
            whole("limit, saturation") / max(whole("mix, saturation"), 0.001), 3
        ),
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
    if report["errors"] or report["limit_errors"] or report["saturation_errors"]:
        problems.append(
            f"errors: paced {report['statuses']}, saturation {report['saturation_errors']}, "
            f"limit {report['limit_errors']}"
        )
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
