"""Self-check: the public check page under `size` concurrent clients, as production runs it.

Setup (not timed): a synthetic city of 400 households per client (20,000 at the default
size). Then gunicorn with the production profile on a loopback port (as `api_load` starts
it, the public limits raised so that the load is not refused), and `size` clients that POST
the check form for `seconds` (16 at the default size): half with a registered NIK and its
name, a quarter with a wrong name, a quarter with an unknown NIK. Each request is timed
alone; `errors` counts anything but a 200.

The reference, in the same run against the same server: the same clients on a public form
view that does only the check's one indexed NIK query behind the same middleware and CSRF
check (`benchmarks/api_load_urls.py`) -> `limit_p95_ms`, `limit_rps`.
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.harness import BASE_DIR, Context
from benchmarks.http_load import NextRequest, free_port, load, percentile
from benchmarks.scenarios.api_load import start_server, stop_server
from registry.models import Person
from registry.synthetic.load import synthetic_city_load

DEFAULT_SIZE = 50
SMOKE_SIZE = 4
SMOKE_CEILING_SECONDS = 240
HOUSEHOLDS_PER_CLIENT = 400
CHECK, LIMIT = "/warga/cek/", "/bench/selfcheck-limit/"
TOKEN = secrets.token_hex(16)  # a CSRF secret: 32 characters, sent as cookie and header


def _requests(path: str, bodies: list[tuple[str, bytes]]) -> Callable[[random.Random], NextRequest]:
    """Per client: a random form of `bodies` posted to `path` at each request."""

    def for_client(rng: random.Random) -> NextRequest:
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


def _warm_up(port: int, bodies: list[tuple[str, bytes]], clients: int) -> None:
    """Rounds until every worker has loaded the project and answers promptly (a worker's
    first request waits for its imports), for two minutes at most."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        tally, _ = load(port, _requests(CHECK, bodies), clients=clients, seconds=3)
        if tally.requests and max(tally.all_ms()) < 3_000:
            return


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
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="kds-selfcheck-") as folder:
        server = start_server(port, Path(folder) / "gunicorn.log")
        try:
            _warm_up(port, bodies, clients)
            ctx.progress(0, 2, "self-check")
            tally, elapsed = load(port, _requests(CHECK, bodies), clients=clients, seconds=seconds)
            ctx.progress(1, 2, "limit view")
            limit, limit_elapsed = load(
                port, _requests(LIMIT, bodies), clients=clients, seconds=seconds
            )
            ctx.progress(2, 2, "limit view")
        finally:
            stop_server(server)
    figures = tally.figures(elapsed)
    reference = limit.figures(limit_elapsed)
    return {
        **figures,
        "seconds": round(elapsed, 1),
        "clients": clients,
        "per_kind_p95_ms": {
            kind: percentile(values, 95) for kind, values in sorted(tally.latencies.items())
        },
        "statuses": dict(tally.statuses),
        "limit_rps": reference["rps"],
        "limit_p95_ms": reference["p95_ms"],
        "limit_errors": reference["errors"],
    }


def smoke_problems(report: dict[str, Any]) -> list[str]:
    problems = []
    if report["errors"] or report["limit_errors"]:
        problems.append(f"errors: {report['statuses']}, limit errors {report['limit_errors']}")
    if not report["requests"]:
        problems.append("no request answered")
    return problems
