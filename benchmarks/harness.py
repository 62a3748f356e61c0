"""The benchmark harness: a fresh database per run, timing, peak memory, one JSON line.

`python benchmarks/run.py NAME` drops and recreates the database `kds_bench_<NAME>`,
migrates it, runs `benchmarks/scenarios/<NAME>.py`, drops the database again (unless
`--keep`) and prints the measurements as the last line of stdout. The database lives on
the embedded PostgreSQL server when DATABASE_URL is unset, else on the DATABASE_URL
server (the settings take its name from KDS_DATABASE_NAME). Everything else (progress,
status) goes to stderr, so stdout stays parseable.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import re
import resource
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, TextIO

import django
import psutil
import psycopg
from django.core.management import call_command
from django.db import connection, connections
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
SCENARIO_PACKAGE = "benchmarks.scenarios"
# PostgreSQL identifiers are at most 63 bytes; keep bench names to plain lowercase words
# so they never need quoting surprises on the command line.
DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def available_scenarios() -> list[str]:
    """Return the scenario names, i.e. the modules in benchmarks/scenarios/."""
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(SCENARIO_DIR)])
        if not module.name.startswith("_")
    )


class Progress:
    """A progress bar on stderr, redrawn in place and throttled so it costs next to nothing.

    Call it as `ctx.progress(done, total, label)` as often as you like; the bar is redrawn
    at most every `interval` seconds and always when `done` reaches `total`, which also
    ends the line. On a terminal the bar is redrawn in place (carriage return); into a
    file or pipe each redraw is a line of its own, every few seconds, so logs stay short.
    """

    WIDTH = 30

    def __init__(self, stream: TextIO | None = None, interval: float | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty()
        if interval is None:
            interval = 0.1 if self.live else 5.0
        self.interval = interval
        self._last_draw = 0.0
        self._open_label: str | None = None

    def __call__(self, done: int, total: int, label: str = "") -> None:
        finished = done >= total
        now = time.monotonic()
        if not finished and label == self._open_label and now - self._last_draw < self.interval:
            return
        if self.live and self._open_label is not None and label != self._open_label:
            self.stream.write("\n")
        fraction = min(done / total, 1.0) if total > 0 else 1.0
        filled = round(fraction * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = f"{label:<20} [{bar}] {fraction:6.1%} {done:,}/{total:,}"
        if self.live:
            self.stream.write(f"\r{line}" + ("\n" if finished else ""))
        else:
            self.stream.write(f"{line}\n")
        self._open_label = None if finished else label
        self.stream.flush()
        self._last_draw = now


class Timer:
    """Wall-clock time of a `with` block, in `seconds` once the block has ended."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.seconds = time.perf_counter() - self._start


@dataclass(frozen=True)
class Context:
    """What a scenario's `run(ctx)` gets: the size asked for, a progress bar and timers."""

    name: str
    size: int
    progress: Progress = field(default_factory=Progress)

    def timer(self) -> Timer:
        return Timer()


def _server_connection() -> psycopg.Connection[Any]:
    """Connect to the maintenance database of the server the bench database lives on."""
    params = connections["default"].get_connection_params()
    params["dbname"] = "postgres"
    return psycopg.connect(**params, autocommit=True)


def drop_database(database: str) -> None:
    connections.close_all()
    with _server_connection() as conn:
        # FORCE ends sessions still open on it, e.g. a worker a scenario started.
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )


def recreate_database(database: str, template: str | None = None) -> None:
    """Drop and create `database`, empty or as a copy of an already migrated `template`."""
    drop_database(database)
    with _server_connection() as conn:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(statement)


def load_average() -> list[float]:
    """The machine's 1-, 5- and 15-minute load averages: a figure means little without them
    on a shared machine, where other work slows every run."""
    return [round(value, 2) for value in os.getloadavg()]


def peak_rss_mb() -> float:
    """Peak resident memory of this process or of any child it waited for, in MiB."""
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class MemorySampler:
    """Peak memory of this process and every process below it (a job's pool), while open.

    Sampled every 0.2 s as the sum of each process's proportional set size (PSS): pages a
    forked child shares with its parent count once, split between them, so the sum is what
    the tree really holds. Reported above what the tree held when sampling started, so two
    systems run one after the other in one process are compared on what each adds.
    """

    INTERVAL_S = 0.2

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._base = self._peak = 0

    @staticmethod
    def tree_kib() -> int:
        me = psutil.Process()
        total = 0
        for process in [me, *me.children(recursive=True)]:
            try:
                total += process.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return total // 1024

    def _sample(self) -> None:
        while not self._stop.wait(self.INTERVAL_S):
            self._peak = max(self._peak, self.tree_kib())

    def start(self) -> MemorySampler:
        self._base = self._peak = self.tree_kib()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, self.tree_kib())

    def __enter__(self) -> MemorySampler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def peak_mb(self) -> float:
        """The most the process tree held above its size at the start, in MiB."""
        return round((self._peak - self._base) / 1024, 1)


def _cpu_model() -> str:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        cpuinfo = ""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in {"model name", "Model", "Hardware"}:
            return value.strip()
    return platform.processor() or platform.machine() or "unknown"


def machine_info() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "postgres": server_version,
        "platform": platform.platform(),
    }


def _load_scenario(name: str) -> ModuleType:
    scenario = importlib.import_module(f"{SCENARIO_PACKAGE}.{name}")
    for attribute in ("DEFAULT_SIZE", "run"):
        if not hasattr(scenario, attribute):
            raise SystemExit(f"scenario {name!r} does not define {attribute}")
    return scenario


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _status(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Run one benchmark scenario on a fresh database and print a JSON line.",
    )
    parser.add_argument("name", help="scenario: a module in benchmarks/scenarios/")
    parser.add_argument("--size", type=_positive_int, help="default: the scenario's DEFAULT_SIZE")
    parser.add_argument(
        "--keep", action="store_true", help="keep the bench database afterwards for inspection"
    )
    parser.add_argument(
        "--database",
        help="bench database name (default kds_bench_<name>); it is dropped and recreated",
    )
    parser.add_argument(
        "--template",
        help="copy this already migrated database instead of migrating (the smoke run)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    names = available_scenarios()
    if args.name not in names:
        print(
            f"unknown scenario {args.name!r}; available scenarios: {', '.join(names)}",
            file=sys.stderr,
        )
        return 2
    database = args.database or f"kds_bench_{args.name.lower()}"
    if not DATABASE_NAME.match(database):
        print(f"invalid database name {database!r}: use a-z, 0-9 and _", file=sys.stderr)
        return 2

    # The settings read KDS_DATABASE_NAME when they are imported (on the embedded server
    # or the DATABASE_URL one), so it is set before django.setup(). Child processes a
    # scenario starts inherit it.
    os.environ["DJANGO_SETTINGS_MODULE"] = "depok_kds.settings"
    os.environ["KDS_DATABASE_NAME"] = database
    # As production runs: without DEBUG's record of every query.
    os.environ.setdefault("DJANGO_DEBUG", "false")
    django.setup()
    scenario = _load_scenario(args.name)
    size = args.size if args.size is not None else int(scenario.DEFAULT_SIZE)

    _status(f"database {database}: recreating and migrating")
    recreate_database(database, template=args.template)
    try:
        if args.template is None:
            call_command("migrate", "--noinput", verbosity=0)
        _status(f"running {args.name} with size {size:,}")
        ctx = Context(name=args.name, size=size)
        load_before = load_average()
        with Timer() as timer:
            result = scenario.run(ctx)
        if not isinstance(result, dict):
            raise TypeError(f"{args.name}.run() must return a dict, not {type(result).__name__}")
        report: dict[str, Any] = {
            "name": args.name,
            "size": size,
            "seconds": round(timer.seconds, 3),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
        # A scenario that times only part of its work returns its own `seconds`.
        report.update(result)
        report["load_average"] = {"before": load_before, "after": load_average()}
        report["machine"] = machine_info()
    finally:
        if args.keep:
            _status(f"database {database} kept")
        else:
            drop_database(database)
    print(json.dumps(report), flush=True)
    return 0
