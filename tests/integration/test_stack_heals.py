"""Faults of the running stack, with real processes on an embedded PostgreSQL of their own.

- PostgreSQL restarts: meanwhile requests get a 503 (a page, or the API's error body);
  afterwards the web server and the worker carry on with no one acting.
- `make run` (depok_kds.devrun): a killed worker and a killed PostgreSQL are started again,
  and say so; the web server keeps answering.

The server runs from a data folder of its own under var/, so that stopping it disturbs no
other test. Each test prints the seconds to recovery.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from django.conf import settings

from depok_kds.api_clients import SCOPES
from tests.processes import free_port

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("stack-faults")]

MANAGE = [sys.executable, "manage.py"]


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]


def fetch(url: str, headers: dict[str, str] | None = None) -> Answer:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return Answer(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), dict(error.headers))


def wait_for(predicate: Callable[[], bool], *, timeout: float, what: str) -> float:
    """Wait until `predicate()` holds; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if predicate():
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@dataclass
class Stack:
    """An embedded PostgreSQL of its own, migrated, with an API key of every scope."""

    root: Path
    env: dict[str, str]
    key: str

    @property
    def pgdata(self) -> Path:
        return Path(self.env["KDS_PGDATA"])

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603
            [*MANAGE, *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        return result.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-v", "0", "-c", code).strip().splitlines()[-1]

    def database(self, command: str) -> None:
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "depok_kds.embedded_db", command],
            cwd=settings.BASE_DIR,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def spawn(self, args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        return subprocess.Popen(args, cwd=settings.BASE_DIR, env=self.env, **kwargs)  # type: ignore[call-overload]  # noqa: S603

    def start_demo_job(self, n: int) -> int:
        return int(
            self.shell(
                "from depok_kds.jobs import job_start; from depok_kds.models import User;"
                "from depok_kds.tasks import DEMO_KIND;"
                "user = User.objects.filter(is_superuser=False).order_by('pk').first();"
                f"print(job_start(kind=DEMO_KIND, requested_by=user, params={{'n': {n}}}).pk)"
            )
        )

    def job_status(self, job_id: int) -> str:
        return self.shell(
            f"from depok_kds.models import Job; print(Job.objects.get(pk={job_id}).status)"
        )


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    root = Path(settings.BASE_DIR) / "var" / "fault-tests" / uuid.uuid4().hex[:8]
    root.mkdir(parents=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "KDS_DATABASE_NAME"}
    }
    env.update(
        KDS_PGDATA=str(root / "pgdata"),
        KDS_CELERY_QUEUE_DIR=str(root / "celery" / "queue"),
        DJANGO_SETTINGS_MODULE="depok_kds.settings",
        KDS_JOB_LEASE_SECONDS="5",
    )
    stack = Stack(root=root, env=env, key="")
    try:
        stack.manage("migrate", "--noinput", "-v", "0")
        output = stack.manage("create_api_client", "faults", "--scopes", ",".join(sorted(SCOPES)))
        stack.key = output.strip().splitlines()[-1]
        stack.manage("seed_demo", "--households", "3", "--seed", "1")
        yield stack
    finally:
        stack.database("stop")
        shutil.rmtree(root, ignore_errors=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def test_requests_meanwhile_get_503_and_web_and_worker_recover_after_a_restart(stack):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = f"{base}/api/v1/jobs/999999/"
    auth = {"Authorization": f"Bearer {stack.key}"}
    page = f"{base}/lacak/?number=ABCDEFGHIJ"
    web = stack.spawn([*MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"])
    worker = stack.spawn(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "depok_kds",
            "worker",
            "--pool=solo",
            "-l",
            "WARNING",
        ]
    )
    try:
        wait_for(lambda: fetch(api, auth).status == 404, timeout=120, what="the web server")
        first = stack.start_demo_job(3)
        wait_for(lambda: stack.job_status(first) == "succeeded", timeout=120, what="a first job")

        stack.database("stop")
        down = fetch(api, auth)
        assert down.status == 503
        assert json.loads(down.body)["error"]["code"] == "service_unavailable"
        assert down.headers.get("Retry-After")
        portal = fetch(page)
        assert portal.status == 503
        assert b"503" in portal.body and b"<html" in portal.body

        stack.database("start")
        recovered = wait_for(
            lambda: fetch(api, auth).status == 404, timeout=60, what="the API after the restart"
        )
        assert fetch(page).status == 200
        second = stack.start_demo_job(3)
        worker_recovered = wait_for(
            lambda: stack.job_status(second) == "succeeded", timeout=120, what="a job afterwards"
        )
        print(f"\nafter PostgreSQL restart: web {recovered:.1f}s, job {worker_recovered:.1f}s")
        assert web.poll() is None and worker.poll() is None
    finally:
        _stop(web)
        _stop(worker)


def _celery_children(parent: psutil.Process) -> list[psutil.Process]:
    """The runner's live worker processes (a killed one not yet reaped is a zombie: not one)."""
    found = []
    for child in parent.children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and any(
                "celery" in part for part in child.cmdline()
            ):
                found.append(child)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


def test_make_run_restarts_a_killed_worker_and_a_killed_postgresql(stack):
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/v1/jobs/999999/"
    auth = {"Authorization": f"Bearer {stack.key}"}
    log = stack.root / "devrun.log"
    env_run = {"KDS_RUN_ADDRESS": f"127.0.0.1:{port}", "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        run = subprocess.Popen(
            [sys.executable, "-m", "depok_kds.devrun"],
            cwd=settings.BASE_DIR,
            env={**stack.env, **env_run},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    supervisor = psutil.Process(run.pid)
    try:
        wait_for(lambda: fetch(api, auth).status == 404, timeout=180, what="make run to serve")
        wait_for(lambda: bool(_celery_children(supervisor)), timeout=30, what="the worker")
        (worker,) = _celery_children(supervisor)
        left = worker.children(recursive=True)  # its pool and its beat
        worker.send_signal(signal.SIGKILL)
        worker_back = wait_for(
            lambda: any(w.pid != worker.pid for w in _celery_children(supervisor)),
            timeout=60,
            what="a new worker",
        )
        assert run.poll() is None, log.read_text()
        assert "the worker stopped" in log.read_text()
        # Its pool and beat went with it: only the new worker's beat schedules.
        assert _alive(left) == [], "the killed worker's processes outlived it"

        postmaster = int((stack.pgdata / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGKILL)
        # Until the runner has seen it die, a request may still be answered (by a backend
        # the dead postmaster left behind): wait for the runner's word, then for the API.
        database_back = wait_for(
            lambda: (
                "PostgreSQL (embedded) is running again" in log.read_text()
                and fetch(api, auth).status == 404
            ),
            timeout=120,
            what="PostgreSQL restarted by make run, and the API after it",
        )
        assert "PostgreSQL (embedded) has stopped" in log.read_text()
        assert run.poll() is None
        print(f"\nmake run: worker back in {worker_back:.1f}s, database in {database_back:.1f}s")
    finally:
        last = [
            process
            for child in _celery_children(supervisor)
            for process in (child, *child.children(recursive=True))
        ]
        run.send_signal(signal.SIGINT)
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            run.kill()
    assert run.returncode == 0
    assert "Stopped." in log.read_text()
    assert _alive(last) == [], "make run left a worker's processes behind"


def _alive(processes: list[psutil.Process]) -> list[int]:
    """The pids of `processes` still running (a zombie has ended)."""
    found = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process.pid)
        except psutil.NoSuchProcess:
            continue
    return found


def _connections(stack: Stack) -> int:
    """Server connections to the stack's database, but the one counting."""
    return int(
        stack.shell(
            "from django.db import connection; cursor = connection.cursor(); cursor.execute("
            "'SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()'); "
            "print(cursor.fetchone()[0])"
        )
    )


def test_gunicorn_keeps_one_connection_per_worker_and_none_after_it_stops(stack):
    """Production's server under concurrent API requests: each worker holds at most its one
    persistent connection (CONN_MAX_AGE), none grows per request, and all close with it."""
    workers = 3
    port = free_port()
    # Each request reads the key and logs the call: the database is used every time.
    api = f"http://127.0.0.1:{port}/api/v1/jobs/999999/"
    auth = {"Authorization": f"Bearer {stack.key}", "X-Forwarded-Proto": "https"}
    before = _connections(stack)
    env = {
        "KDS_PROFILE": "production",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_LOG_LEVEL": "warning",
        "WEB_CONCURRENCY": str(workers),
    }
    log = stack.root / "gunicorn.log"
    with log.open("wb") as errors:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
             "--access-logfile", "/dev/null"],
            cwd=settings.BASE_DIR, env={**stack.env, **env}, stderr=errors,
        )  # fmt: skip
    seen: list[int] = []
    try:
        try:
            wait_for(
                lambda: seen.append(fetch(api, auth).status) or seen[-1] == 404,
                timeout=120,
                what="gunicorn",
            )
        except AssertionError as error:
            raise AssertionError(f"{error}: {seen[-5:]}\n{log.read_text()[-3000:]}") from None
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _n: fetch(api, auth).status, range(240)))
        assert set(statuses) == {404}
        during = _connections(stack)
    finally:
        _stop(server)
    settled = wait_for(
        lambda: _connections(stack) <= before, timeout=30, what="connections to close"
    )
    print(f"\ngunicorn connections: {before} before, {during} after 240 requests, "
          f"back to {before} in {settled:.1f}s")  # fmt: skip
    assert during - before <= workers
