"""Workers: one Dukcapil matching job and one re-scoring job, their chunks Celery tasks, on
1 and on 2 workers.

Set-up (not timed): the `match` scenario's synthetic city of `size` persons and a DKB
extract holding their true records and as many others again; for the re-scoring, 5 x `size`
households with a current assessment each (the `rescore` scenario's generator).

Timed: each job twice, each time from its claim to its finish, first with one Celery worker
process (solo pool) taking the chunks, then with two; each job is split into 16 chunks so
that both workers have work to the end. The re-scoring job runs under a new ruleset version
each time, so both runs re-score every household.

Keys: `seconds_1_worker`, `seconds_2_workers`, `speedup` (matching), `rescore_households`,
`rescore_seconds_1_worker`, `rescore_seconds_2_workers`, `rescore_speedup`, `chunks`;
`load_average` (the 1-minute load of the machine, read after each run: on a shared machine
the speed-up means little without it).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Max

from benchmarks.harness import Context
from benchmarks.scenarios import dkb_load, rescore
from benchmarks.scenarios.match import Plan, _city, _registry, truth_rows
from depok_kds.celery import app
from depok_kds.models import Job, JobChunk
from registry.dukcapil.services import match_run_start
from registry.models import Household
from registry.selectors import ruleset_active
from registry.services import ruleset_activate, ruleset_create

DEFAULT_SIZE = 40_000
SMOKE_SIZE = 2000
CHUNKS = 16


def _workers(count: int, queue: str) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "KDS_CELERY_QUEUE": queue, "DUKCAPIL_MATCH_CHUNK_TASKS": "true"}
    command = [sys.executable, "-m", "celery", "-A", "depok_kds", "worker", "--pool=solo",
               "--loglevel=WARNING", "-Q", queue, "--without-heartbeat", "--without-gossip",
               "--without-mingle"]  # fmt: skip
    return [subprocess.Popen(command, cwd=settings.BASE_DIR, env=env) for _ in range(count)]


def _match_with(ctx: Context, workers: int, size: int) -> tuple[float, int]:
    queue = _queue()
    run = match_run_start(actor=None)  # queued: no worker listens to this queue yet
    Job.objects.filter(pk=run.job_id).update(
        params={"chunk_size": max(1, size // CHUNKS + 1), "bench": workers}
    )
    return _on_workers(ctx, run.job_id, workers, queue, "match")


def _rescore_with(ctx: Context, workers: int, households: int) -> tuple[float, int]:
    queue = _queue()
    definition = {**rescore.new_version(), "version": f"BENCH-WORKERS-{workers}"}
    draft = ruleset_create(actor=None, definition=definition)
    job = ruleset_activate(actor=None, ruleset=draft)  # queued: no worker listens yet
    Job.objects.filter(pk=job.pk).update(
        params={**job.params, "chunk_size": max(1, households // CHUNKS + 1)}
    )
    return _on_workers(ctx, job.pk, workers, queue, "rescore")


def _queue() -> str:
    queue = f"bench-{uuid.uuid4().hex[:10]}"
    app.conf.task_default_queue = queue
    return queue


def _on_workers(
    ctx: Context, job_id: int, workers: int, queue: str, what: str
) -> tuple[float, int]:
    """Start `workers` worker processes on `queue`, wait for the job; (seconds, chunks)."""
    processes = _workers(workers, queue)
    try:
        while True:
            job = Job.objects.get(pk=job_id)
            ctx.progress(job.done, job.total or 1, f"{what} on {workers} worker(s)")
            if job.is_finished:
                break
            time.sleep(0.5)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    if job.status != Job.Status.SUCCEEDED or job.started_at is None or job.finished_at is None:
        raise RuntimeError(f"the {what} job failed: {job.error_message}")
    seconds = (job.finished_at - job.started_at).total_seconds()
    return seconds, JobChunk.objects.filter(job=job).count()


def run(ctx: Context) -> dict[str, Any]:
    rng = random.Random(20251)
    _city(ctx)
    persons = _registry()
    with tempfile.TemporaryDirectory(prefix="kds-workers-") as folder:
        path = Path(folder) / "dkb.csv"
        truth = list(truth_rows(rng, persons, Plan()))
        niks = {p["nik"] for p in persons}
        extra = dkb_load.synthetic_rows(len(truth), seed=99_991, skip=lambda r: r["NIK"] in niks)
        dkb_load.write_csv(path, [*truth, *extra], progress=lambda n: None)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        app.conf.task_always_eager = True
        dkb_load.load(path)
        app.conf.task_always_eager = False
    loads = []
    one, chunks = _match_with(ctx, 1, len(persons))
    loads.append(os.getloadavg()[0])
    two, _chunks = _match_with(ctx, 2, len(persons))
    loads.append(os.getloadavg()[0])

    households = 5 * ctx.size
    provisional = ruleset_active()
    if provisional is None:
        raise RuntimeError("the migrations load an active provisional ruleset; none found")
    after = Household.objects.aggregate(last=Max("id"))["last"] or 0
    rescore.build_households(ctx, provisional, count=households, after=after)
    rescore_one, _chunks = _rescore_with(ctx, 1, households)
    loads.append(os.getloadavg()[0])
    rescore_two, _chunks = _rescore_with(ctx, 2, households)
    loads.append(os.getloadavg()[0])
    return {
        "seconds": round(one + two + rescore_one + rescore_two, 3),
        "persons": len(persons),
        "chunks": chunks,
        "seconds_1_worker": round(one, 3),
        "seconds_2_workers": round(two, 3),
        "speedup": round(one / two, 2) if two else None,
        "rescore_households": households,
        "rescore_seconds_1_worker": round(rescore_one, 3),
        "rescore_seconds_2_workers": round(rescore_two, 3),
        "rescore_speedup": round(rescore_one / rescore_two, 2) if rescore_two else None,
        "load_average": [round(x, 2) for x in loads],
    }
