"""Self-check: the public check page under `size` clients, as production runs it.

Setup (not timed): a synthetic city of 400 households per client (20,000 at the default
size). Then gunicorn with the production profile on a loopback port (as `api_load` starts
it, the public limits raised so that the load is not refused), warmed up. The clients POST
the check form: half with a registered NIK and its name, a quarter with a wrong name, a
quarter with an unknown NIK. Four phases of `seconds` each (16 at the default size;
definitions in benchmarks/README.md, "HTTP load"):

1. The reference at saturation: closed loop on a bare public form view that does only the
   check's one indexed NIK query behind the same middleware and CSRF check
   (`benchmarks/api_load_urls.py`) -> `limit_rps`.
2. The check at saturation: closed loop -> `saturation_rps`, `saturation_p95_ms`.
3. The check at the citizens' pace: each client sends a check every
   CHECK_INTERVAL_SECONDS on average (Poisson arrivals), `size / CHECK_INTERVAL_SECONDS`
   checks per second in all -> `rps`, `p50_ms`/`p95_ms`/`p99_ms`, `per_kind` (a wrong
   name's and an unknown NIK's times side by side), `errors`.
4. The bare form at the same pace -> `limit_p95_ms`: the floor of phase 3's latency.
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks import http_load
from benchmarks.harness import BASE_DIR, Context
from benchmarks.scenarios.api_load import Phases, start_server, stop_server, warm_up
from registry.models import Person
from registry.synthetic.load import synthetic_city_load

DEFAULT_SIZE = 50
SMOKE_SIZE = 4
SMOKE_CEILING_SECONDS = 240
HOUSEHOLDS_PER_CLIENT = 400
CHECK, LIMIT = "/warga/cek/", "/bench/selfcheck-limit/"
# A citizen's pace: one check a second from each client, far quicker than a person types a
# NIK and a name (50 clients: 50 checks a second, 180,000 an hour).
CHECK_INTERVAL_SECONDS = 1.0
P95_GOAL_MS = 100
TOKEN = secrets.token_hex(16)  # a CSRF secret: 32 characters, sent as cookie and header


def _requests(path: str, bodies: list[tuple[str, bytes]]) -> http_load.ClientRequests:
    """Per client: a random form of `bodies` posted to `path` at each request."""

    def for_client(rng: random.Random) -> http_load.NextRequest:
        def next_request() -> tuple[str, bytes]:
            kind, body = rng.choice(bodies)
            return kind, (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
                f"Origin: https://127.0.0.1\r\nReferer: https://127.0.0.1{CHECK}\r\n"
                f"Cookie: csrftoken={TOKEN}\r\nX-CSRFToken: {TOKEN}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )

        return next_request

    return for_client


def _bodies(rng: random.Random) -> list[tuple[str, bytes]]:
    persons = list(
        Person.objects.filter(nik__isnull=False, household__isnull=False, is_deceased=False)
        .order_by("?")
        .values_list("nik", "full_name")[:2_000]
    )
    bodies = []
    for _ in range(2_000):
        found, name = rng.choice(persons)
        nik = str(found)
        kind = rng.choice(["right", "right", "wrong_name", "unknown_nik"])
        if kind == "wrong_name":
            name = "Nama Yang Salah"
        elif kind == "unknown_nik":
            nik = f"{int(nik[:12]) + 1:012d}9{rng.randrange(1000):03d}"
        bodies.append((kind, urlencode({"nik": nik, "name": name}).encode()))
    return bodies


def _collect_static() -> None:
    """The production profile serves pages with hashed static names: collect them, as the
    image build does (into the ignored `staticfiles/`)."""
    env = {
        **os.environ,
        "KDS_PROFILE": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR, env=env, check=True,
    )  # fmt: skip


def run(ctx: Context) -> dict[str, Any]:
    clients = ctx.size
    seconds = min(60, max(5, clients // 3))
    synthetic_city_load(
        households=HOUSEHOLDS_PER_CLIENT * clients,
        progress=lambda done, total: ctx.progress(done, total, "seed"),
    )
    bodies = _bodies(random.Random(17))
    _collect_static()
    os.environ["KDS_SELF_CHECK_PER_ADDRESS"] = os.environ["KDS_SELF_CHECK_PER_NIK"] = "1000000000"
    check, bare = _requests(CHECK, bodies), _requests(LIMIT, bodies)
    rate = clients / CHECK_INTERVAL_SECONDS
    port = http_load.free_port()
    phases = Phases(ctx, 4)
    with tempfile.TemporaryDirectory(prefix="kds-selfcheck-") as folder:
        server = start_server(port, Path(folder) / "gunicorn.log")
        try:
            warm_up(port, check, clients)
            warm_up(port, bare, clients)
            with phases.run("bare form, saturation"):
                limit, limit_elapsed = http_load.load(port, bare, clients=clients, seconds=seconds)
            with phases.run("check, saturation"):
                saturation, saturation_elapsed = http_load.load(
                    port, check, clients=clients, seconds=seconds
                )
            with phases.run("check, paced"):
                paced = http_load.paced_load(
                    port, check, clients=clients, seconds=seconds, rate=rate
                )
            with phases.run("bare form, paced"):
                limit_paced = http_load.paced_load(
                    port, bare, clients=clients, seconds=seconds, rate=rate
                )
        finally:
            stop_server(server)
    limit_figures = limit.figures(limit_elapsed)
    return {
        **paced,
        "seconds": seconds,
        "clients": clients,
        "check_interval_seconds": CHECK_INTERVAL_SECONDS,
        "limit_rps": limit_figures["rps"],
        "limit_p95_ms": limit_paced["p95_ms"],
        "limit_p99_ms": limit_paced["p99_ms"],
        "limit_errors": limit_figures["errors"] + limit_paced["errors"],
        "limit_client_late_p99_ms": limit_paced["client_late_p99_ms"],
        **http_load.saturation_figures(saturation, saturation_elapsed, limit_figures["rps"]),
        "goals_met": {
            "no_errors": paced["errors"] == 0 and paced["unsent"] == 0,
            "p95_under_100_ms": paced["p95_ms"] < P95_GOAL_MS,
        },
        "load_average_by_phase": phases.load_averages,
    }


def smoke_problems(report: dict[str, Any]) -> list[str]:
    problems = []
    if report["errors"] or report["limit_errors"] or report["saturation_errors"]:
        problems.append(f"errors: {report['statuses']}, limit errors {report['limit_errors']}")
    if not report["requests"]:
        problems.append("no request answered")
    return problems
