"""The benchmark harness, run the way people run it: `python benchmarks/run.py ...`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

RUN = [sys.executable, "benchmarks/run.py"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [*RUN, *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_prints_one_json_line_with_the_measurements() -> None:
    # A database of its own, so that concurrent runs of this test never drop each other's.
    database = f"kds_bench_test_{os.getpid()}"

    result = _run("demo", "--size", "200", "--database", database)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["name"] == "demo"
    assert report["size"] == 200
    assert report["rows"] == 200
    assert report["seconds"] > 0
    assert report["peak_rss_mb"] > 0
    assert report["rows_per_s"] > 0
    assert report["machine"]["cpu_count"] >= 1
    assert report["machine"]["postgres"]


def test_unknown_scenario_lists_the_available_ones_and_exits_2() -> None:
    result = _run("no_such_scenario")

    assert result.returncode == 2
    assert "available scenarios: " in result.stderr
    assert "demo" in result.stderr
    assert result.stdout == ""
