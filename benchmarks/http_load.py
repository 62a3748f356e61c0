"""A bounded HTTP load on loopback: many asyncio clients, each on its own keep-alive
connection, sending raw HTTP/1.1 requests until a deadline, with a tally of latencies and
statuses. Used by the scenarios that load a server (`api_load`, `selfcheck`).

Two ways to load (definitions in benchmarks/README.md, "HTTP load"):

- `load`: closed loop, saturation. Every client sends its next request the moment the
  last answer arrives, so the server is always as busy as it can be: the requests per
  second it reaches is its capacity, and the latency is only queueing (Little's law:
  clients / throughput).
- `paced_load`: open loop at a stated rate. The arrivals of a Poisson process of that
  rate over the run (uniform times, given their count) are dealt out to the clients; each
  sends its request at its arrival time, or as soon as its previous answer is in. The
  latency is counted from the arrival time, so an answer that made the next request wait
  counts that wait too (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import random
import socket
import statistics
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

# A client's next request: (kind, the raw request); made per client from its own random.
NextRequest = Callable[[], tuple[str, bytes]]
ClientRequests = Callable[[random.Random], NextRequest]
# How long after its end a paced run still sends the arrivals its clients are behind on.
PACED_GRACE_SECONDS = 10.0


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    unsent: int = 0
    cpu_seconds: float = 0.0  # the load's own CPU time (this process's) while it ran

    def add(self, kind: str, ms: float, status: str) -> None:
        self.latencies.setdefault(kind, []).append(ms)
        self.statuses[status] += 1
        self.requests += 1

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != "200")

    def all_ms(self) -> list[float]:
        return [ms for values in self.latencies.values() for ms in values]

    def figures(self, elapsed: float) -> dict[str, Any]:
        """Requests per second over `elapsed`, latency percentiles, errors and requests."""
        return {
            "rps": round(self.requests / elapsed, 1),
            **latencies(self.all_ms()),
            "errors": self.errors,
            "requests": self.requests,
            "client_cpu_ms_per_request": round(self.cpu_seconds * 1000 / max(self.requests, 1), 3),
        }

    def per_kind(self) -> dict[str, dict[str, float]]:
        """Each kind's request count and latency percentiles."""
        return {
            kind: {"requests": len(values), **latencies(values)}
            for kind, values in sorted(self.latencies.items())
        }


def saturation_figures(tally: Tally, elapsed: float, limit_rps: float) -> dict[str, Any]:
    """A closed-loop run's figures as `saturation_*` keys, with its ratio to `limit_rps`."""
    figures = tally.figures(elapsed)
    return {
        **{
            f"saturation_{key}": figures[key]
            for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "client_cpu_ms_per_request")
        },
        "saturation_errors": figures["errors"],
        "saturation_ratio_to_limit": round(figures["rps"] / max(limit_rps, 0.1), 3),
        "saturation_per_kind": tally.per_kind(),
    }


def latencies(values: list[float]) -> dict[str, float]:
    return {f"p{n}_ms": percentile(values, n) for n in (50, 95, 99)}


def percentile(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return round(values[0], 1) if values else 0.0
    return round(statistics.quantiles(values, n=100, method="inclusive")[percent - 1], 1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def exchange(port: int, request: bytes, conn: list[Any]) -> str:
    """Send `request` on the connection in `conn` (opened again when the server closed it),
    read the whole answer, and return its status code. Reads only the two headers it needs
    (the load's own CPU is taken from the server it measures)."""
    if not conn:
        conn.extend(await asyncio.open_connection("127.0.0.1", port))
    reader, writer = conn
    writer.write(request)
    await writer.drain()
    head: bytes = (await reader.readuntil(b"\r\n\r\n")).lower()
    status = head[9:12].decode("latin-1")
    start = head.find(b"\r\ncontent-length:")
    if start >= 0:
        start += len(b"\r\ncontent-length:")
        await reader.readexactly(int(head[start : head.index(b"\r\n", start)]))
    if start < 0 or b"\r\nconnection: close\r\n" in head:
        if start < 0:
            await reader.read()
        writer.close()
        conn.clear()
    return status


async def _answered(port: int, request: bytes, conn: list[Any]) -> str:
    """`exchange`'s status, or the name of the failure (no answer within 30 s, a dropped
    connection), after which the connection is opened again."""
    try:
        return await asyncio.wait_for(exchange(port, request, conn), timeout=30)
    except (TimeoutError, OSError, asyncio.IncompleteReadError) as error:
        conn.clear()
        return type(error).__name__


async def _client(
    port: int, next_request: NextRequest, deadline: float, tally: Tally, at_most: int
) -> None:
    conn: list[Any] = []
    while time.monotonic() < deadline and tally.requests < at_most:
        kind, request = next_request()
        started = time.perf_counter()
        status = await _answered(port, request, conn)
        tally.add(kind, (time.perf_counter() - started) * 1000, status)


@dataclass
class Lateness:
    """How late a paced load's clients sent: `ms`, per request, the time from the moment a
    client could send (its arrival time, or its previous answer when that came later) to
    the send, which is the load generator's own delay; and `waited`, the arrivals whose
    client still waited for its previous answer at their arrival time (the server's delay,
    counted in their latency)."""

    ms: list[float] = field(default_factory=list)
    waited: int = 0


async def _paced_client(
    port: int,
    next_request: NextRequest,
    arrivals: list[float],
    tally: Tally,
    lateness: Lateness,
    give_up: float,
) -> None:
    conn: list[Any] = []
    answered = 0.0  # when the previous answer came in
    for due in arrivals:
        now = time.monotonic()
        if now > give_up:
            tally.unsent += 1
            continue
        if due > now:
            await asyncio.sleep(due - now)
        if answered > due:
            lateness.waited += 1
        kind, request = next_request()
        sent = time.monotonic()
        lateness.ms.append(max(0.0, sent - max(due, answered)) * 1000)
        status = await _answered(port, request, conn)
        answered = time.monotonic()
        tally.add(kind, (answered - due) * 1000, status)


async def _paced_load(
    port: int, requests: ClientRequests, clients: int, seconds: float, rate: float, seed: int
) -> tuple[Tally, Lateness]:
    rng = random.Random(seed)
    tally, lateness = Tally(), Lateness()
    count = round(rate * seconds)
    offsets: list[list[float]] = [[] for _ in range(clients)]
    for offset in sorted(rng.uniform(0, seconds) for _ in range(count)):
        offsets[rng.randrange(clients)].append(offset)
    started = time.monotonic() + 0.1  # the clients are set up before the first arrival
    schedule = [[started + offset for offset in own] for own in offsets]
    give_up = started + seconds + PACED_GRACE_SECONDS
    await asyncio.gather(
        *(
            _paced_client(
                port, requests(random.Random(rng.random())), arrivals, tally, lateness, give_up
            )
            for arrivals in schedule
        )
    )
    return tally, lateness


async def _load(
    port: int, requests: ClientRequests, clients: int, seconds: float, at_most: int
) -> tuple[Tally, float]:
    tally = Tally()
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _client(port, requests(random.Random()), deadline, tally, at_most)
            for _ in range(clients)
        )
    )
    return tally, time.monotonic() - started


def paced_load(
    port: int,
    requests: ClientRequests,
    *,
    clients: int,
    seconds: float,
    rate: float,
    seed: int = 17,
) -> dict[str, Any]:
    """`clients` clients that together offer `rate` requests per second for `seconds` (open
    loop, Poisson arrivals): the figures of `Tally.figures` over `seconds` (so `rps` is the
    rate answered), with `offered_rps`, `per_kind`, `statuses`, `unsent` (arrivals still
    waiting PACED_GRACE_SECONDS after the end: a server that fell that far behind),
    `client_late_p50_ms`/`client_late_p99_ms` (the load generator's own delay in sending,
    `Lateness`: large when the machine starves it, which inflates every latency),
    and `waited_for_answer` (arrivals whose client was still waiting for its previous
    answer); `client_cpu_ms_per_request` is this process's CPU time per request."""
    cpu = time.process_time()
    tally, lateness = _run(_paced_load(port, requests, clients, seconds, rate, seed))
    tally.cpu_seconds = time.process_time() - cpu
    return {
        "offered_rps": round(rate, 1),
        **tally.figures(seconds),
        "answered_rps": round(tally.statuses["200"] / seconds, 1),
        "unsent": tally.unsent,
        "client_late_p50_ms": percentile(lateness.ms, 50),
        "client_late_p99_ms": percentile(lateness.ms, 99),
        "waited_for_answer": lateness.waited,
        "per_kind": tally.per_kind(),
        "statuses": dict(tally.statuses),
    }


def load(
    port: int, requests: ClientRequests, *, clients: int, seconds: float, at_most: int = 10**9
) -> tuple[Tally, float]:
    """`clients` clients for `seconds` (and `at_most` requests in all); (tally, seconds)."""
    cpu = time.process_time()
    tally, elapsed = _run(_load(port, requests, clients, seconds, at_most))
    tally.cpu_seconds = time.process_time() - cpu
    return tally, elapsed


T = TypeVar("T")


def _run(load: Coroutine[Any, Any, T]) -> T:
    """Run a load on an event loop of its own: in a thread of its own when this thread
    already runs one (a test process that drives a browser through Playwright does)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(load)
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, load).result()
