"""The HTTP load's two ways, against a small server on loopback that answers after a set
delay: saturation (closed loop) and paced (open loop, Poisson arrivals)."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Iterator

import pytest

from benchmarks.http_load import NextRequest, free_port, load, paced_load


@pytest.fixture
def slow_server(request: pytest.FixtureRequest) -> Iterator[int]:
    """A keep-alive HTTP server answering every request after `request.param` seconds,
    one at a time per connection; yields its port."""
    delay: float = request.param
    port = free_port()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                await asyncio.sleep(delay)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(
        asyncio.start_server(answer, "127.0.0.1", port), loop
    ).result(timeout=5)
    yield port
    loop.call_soon_threadsafe(server.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)


def _requests(rng: random.Random) -> NextRequest:
    def next_request() -> tuple[str, bytes]:
        kind = rng.choice(["a", "b"])
        return kind, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    return next_request


@pytest.mark.parametrize("slow_server", [0.0], indirect=True)
def test_paced_load_sends_exactly_the_offered_arrivals(slow_server: int) -> None:
    figures = paced_load(slow_server, _requests, clients=4, seconds=1.0, rate=60)

    assert figures["offered_rps"] == 60 and figures["rps"] == 60
    assert figures["requests"] == 60 and figures["statuses"] == {"200": 60}
    assert figures["errors"] == 0 and figures["unsent"] == 0
    assert set(figures["per_kind"]) == {"a", "b"}
    assert sum(kind["requests"] for kind in figures["per_kind"].values()) == 60


@pytest.mark.parametrize("slow_server", [0.2], indirect=True)
def test_paced_latency_counts_the_wait_behind_a_slow_answer(slow_server: int) -> None:
    # One client, ten arrivals in half a second, each answer 0.2 s: the client falls
    # behind, and the last arrivals waited for the earlier answers before being sent.
    paced = paced_load(slow_server, _requests, clients=1, seconds=0.5, rate=20)
    # The same server in a closed loop sees only the 0.2 s of each answer.
    closed, _ = load(slow_server, _requests, clients=1, seconds=0.5)

    assert paced["requests"] == 10 and paced["errors"] == 0
    assert paced["p99_ms"] > 1_000 > 300 > closed.figures(0.5)["p99_ms"]
    # That wait is the server's, not the load generator's: the client sent each request
    # as soon as the previous answer was in.
    assert paced["waited_for_answer"] >= 8
    assert paced["client_late_p99_ms"] < 100
