"""The smoke run: every scenario at a small size, so that none can break unnoticed.

`python benchmarks/smoke.py` migrates one template database, then runs each scenario in
benchmarks/scenarios/ through `benchmarks/run.py` on a copy of it, at the scenario's
`SMOKE_SIZE`. A scenario fails the run when it exits non-zero, when its whole run (set-up,
the timed work and any peer it runs beside it) takes longer than its
`SMOKE_CEILING_SECONDS` (generous: the ceilings catch work that grew quadratic, not a slow
machine), or when its `smoke_problems(report)` names a problem (a benchmark whose
scoring no longer adds up). A scenario without `SMOKE_SIZE` fails too: every new scenario
chooses one. Scenarios whose optional packages (`pip install -e ".[bench]"`) are missing
are skipped with a line that says so. Names on the command line run only those scenarios.
Exits 1 when anything failed; CI runs it.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import django  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    available_scenarios,
    drop_database,
    recreate_database,
)

TEMPLATE = "kds_bench_smoke_template"
DEFAULT_CEILING_SECONDS = 180.0
RUN = [sys.executable, str(Path(__file__).resolve().parent / "run.py")]


def _problems(scenario: Any, report: dict[str, Any], wall: float, ceiling: float) -> list[str]:
    problems = []
    if wall > ceiling:
        problems.append(f"took {wall:.1f} s in all, over its ceiling of {ceiling:.0f} s")
    check = getattr(scenario, "smoke_problems", None)
    if check is not None:
        problems.extend(check(report))
    return problems


def main() -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "depok_kds.settings"
    os.environ["KDS_DATABASE_NAME"] = TEMPLATE
    os.environ.setdefault("DJANGO_DEBUG", "false")
    django.setup()
    print(f"[smoke] migrating the template database {TEMPLATE}", file=sys.stderr, flush=True)
    recreate_database(TEMPLATE)
    call_command("migrate", "--noinput", verbosity=0)
    connections.close_all()  # a template is copied only while nobody is connected to it
    failed: list[str] = []
    started = time.monotonic()
    try:
        for name in sys.argv[1:] or available_scenarios():
            scenario = importlib.import_module(f"benchmarks.scenarios.{name}")
            size = getattr(scenario, "SMOKE_SIZE", None)
            if size is None:
                failed.append(name)
                print(f"FAIL {name}: defines no SMOKE_SIZE", flush=True)
                continue
            missing = [
                package
                for package in getattr(scenario, "SMOKE_REQUIRES", ())
                if importlib.util.find_spec(package) is None
            ]
            if missing:
                print(f"skip {name}: needs {', '.join(missing)} (the bench extras)", flush=True)
                continue
            ceiling = float(getattr(scenario, "SMOKE_CEILING_SECONDS", DEFAULT_CEILING_SECONDS))
            database = f"kds_bench_smoke_{name}"
            began = time.monotonic()
            try:
                result = subprocess.run(
                    [
                        *RUN,
                        name,
                        "--size",
                        str(size),
                        "--database",
                        database,
                        "--template",
                        TEMPLATE,
                    ],
                    capture_output=True,
                    text=True,
                    timeout=ceiling * 2,
                    check=False,
                    env={**os.environ, "KDS_BENCH_SKIP_SPLINK": "1"},
                )
            except subprocess.TimeoutExpired:
                failed.append(name)
                print(f"FAIL {name} (size {size}): still running after {ceiling * 2:.0f} s")
                drop_database(database)
                continue
            wall = time.monotonic() - began
            if result.returncode != 0:
                failed.append(name)
                tail = "\n    ".join(result.stderr.strip().splitlines()[-8:])
                print(f"FAIL {name} (size {size}): exit {result.returncode}\n    {tail}")
                continue
            report = json.loads(result.stdout.strip().splitlines()[-1])
            problems = _problems(scenario, report, wall, ceiling)
            verdict = "FAIL" if problems else "ok  "
            print(
                f"{verdict} {name:<10} size {size:>7,}  {report['seconds']:8.2f} s timed,"
                f" {wall:6.1f} s in all"
                f"  (ceiling {ceiling:.0f} s, load {report['load_average']['before'][0]})"
                + "".join(f"\n    {problem}" for problem in problems),
                flush=True,
            )
            if problems:
                failed.append(name)
    finally:
        drop_database(TEMPLATE)
    seconds = time.monotonic() - started
    print(f"smoke: {len(failed)} failed ({', '.join(failed) or 'none'}) in {seconds:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
