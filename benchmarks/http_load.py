"""A bounded HTTP load on loopback: many asyncio clients, each on its own keep-alive
connection, sending raw HTTP/1.1 requests until a deadline, with a tally of latencies and
statuses. Used by the scenarios that load a server (`api_load`, `selfcheck`)."""

from __future__ import annotations

import asyncio
import random
import socket
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# A client's next request: (kind, the raw request); made per client from its own random.
NextRequest = Callable[[], tuple[str, bytes]]
ClientRequests = Callable[[random.Random], NextRequest]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    requests: int = 0

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
        every = self.all_ms()
        return {
            "rps": round(self.requests / elapsed, 1),
            "p50_ms": percentile(every, 50),
            "p95_ms": percentile(every, 95),
            "p99_ms": percentile(every, 99),
            "errors": self.errors,
            "requests": self.requests,
        }


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
    read the whole answer, and return its status code."""
    if not conn:
        conn.extend(await asyncio.open_connection("127.0.0.1", port))
    reader, writer = conn
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = str(lines[0].split(" ", 2)[1])
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:
        await reader.read()
        headers["connection"] = "close"
    if headers.get("connection", "").lower() == "close":
        writer.close()
        conn.clear()
    return status


async def _client(
    port: int, next_request: NextRequest, deadline: float, tally: Tally, at_most: int
) -> None:
    conn: list[Any] = []
    while time.monotonic() < deadline and tally.requests < at_most:
        kind, request = next_request()
        started = time.perf_counter()
        try:
            status = await asyncio.wait_for(exchange(port, request, conn), timeout=30)
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as error:
            status = type(error).__name__
            conn.clear()
        tally.add(kind, (time.perf_counter() - started) * 1000, status)


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


def load(
    port: int, requests: ClientRequests, *, clients: int, seconds: float, at_most: int = 10**9
) -> tuple[Tally, float]:
    """`clients` clients for `seconds` (and `at_most` requests in all); (tally, seconds)."""
    return asyncio.run(_load(port, requests, clients, seconds, at_most))
