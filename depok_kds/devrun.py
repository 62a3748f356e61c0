"""`make run`: database, migrations, demo data, a Celery worker and the web server, together.

A worker, web server or embedded PostgreSQL that dies is started again, with a message.
Ctrl-C stops all of it; the data stays under var/ for next time. With DATABASE_URL and
CELERY_BROKER_URL set, those are used instead of the embedded server and local broker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from depok_kds import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable
ADDRESS = os.environ.get("KDS_RUN_ADDRESS", "127.0.0.1:8000")
DEMO_HOUSEHOLDS = os.environ.get("KDS_DEMO_HOUSEHOLDS", "2000")


# A child that dies sooner than this after its start is restarted only after a pause,
# doubled each time (at most MAX_BACKOFF_S), so a crash at start-up does not spin.
STABLE_AFTER_S = 30.0
MAX_BACKOFF_S = 30.0


def say(message: str) -> None:
    print(f"Depok KDS: {message}", flush=True)


class Supervised:
    """A child process of `make run`: started, and started again (with a message) if it dies.

    Each child leads a process group of its own, with the processes it starts (a worker's
    pool and its beat): when the child dies or is stopped, what it leaves behind is stopped
    with it, so a killed worker's beat never goes on beside its successor's. Ctrl-C reaches
    the runner only, which stops them in order.
    """

    def __init__(self, name: str, command: list[str]) -> None:
        self.name = name
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.backoff = 0.0
        self.restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=BASE_DIR, start_new_session=True)
        self.started_at = time.monotonic()
        self.restart_at = None

    def keep_running(self) -> None:
        """Restart the process if it has exited; call this regularly."""
        if self.process is None or self.process.poll() is None:
            return
        now = time.monotonic()
        if self.restart_at is None:
            self._kill_left_behind()
            lived = now - self.started_at
            self.backoff = (
                0.0 if lived >= STABLE_AFTER_S else min(max(1.0, self.backoff * 2), MAX_BACKOFF_S)
            )
            self.restart_at = now + self.backoff
            pause = f" in {self.backoff:.0f}s" if self.backoff else ""
            say(f"{self.name} stopped (exit code {self.process.returncode}); restarting it{pause}")
        if now >= self.restart_at:
            self.start()
            say(f"{self.name} restarted (pid {self.process.pid})")

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._kill_left_behind()

    def _kill_left_behind(self) -> None:
        """Kill what is left of the child's process group once the child itself has ended."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):  # nothing left
            os.killpg(self.process.pid, signal.SIGKILL)


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=BASE_DIR, check=True)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "depok_kds.settings")
    embedded = not os.environ.get("DATABASE_URL")
    print("Depok KDS: preparing the database" + (" (embedded PostgreSQL)" if embedded else ""))
    manage("migrate", "--noinput", "-v", "0")

    import django

    django.setup()
    from depok_kds.demo import logins_text
    from depok_kds.models import User

    if not User.objects.exists():
        print(f"First run: loading demo data ({DEMO_HOUSEHOLDS} households)")
        manage("seed_demo", "--households", DEMO_HOUSEHOLDS)

    beat_schedule = BASE_DIR / "var" / "celerybeat-schedule"
    worker = Supervised(
        "the worker",
        [
            PY,
            "-m",
            "celery",
            "-A",
            "depok_kds",
            "worker",
            "--beat",
            "--loglevel=WARNING",
            "--concurrency=2",
            f"--schedule={beat_schedule}",
        ],
    )
    web = Supervised("the web server", [PY, "manage.py", "runserver", ADDRESS, "--noreload"])
    children = [worker, web]
    for child in children:
        child.start()
    print(f"\nDepok KDS is running on http://{ADDRESS}/  (Ctrl-C stops it)\n{logins_text()}\n")

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping:
        time.sleep(0.5)
        if embedded and not stopping:
            _keep_database_running()
        for child in children:
            if not stopping:
                child.keep_running()
    print("\nStopping Depok KDS…")
    for child in children:
        child.terminate()
    for child in children:
        child.wait()
    if embedded:
        django.db.connections.close_all()
        embedded_db.stop()
    print("Stopped. Data is kept under var/ for next time.")
    return 0


def _keep_database_running() -> None:
    if embedded_db.is_running():
        return
    say("PostgreSQL (embedded) has stopped: starting it again")
    try:
        embedded_db.ensure_running()
    except Exception as error:
        say(f"PostgreSQL (embedded) did not start ({error}); trying again")
        time.sleep(2)
    else:
        say("PostgreSQL (embedded) is running again")


if __name__ == "__main__":
    raise SystemExit(main())
