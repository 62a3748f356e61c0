"""`make run`: database, migrations, demo data, a Celery worker and the web server, together.

Ctrl-C stops all of it; the data stays under var/ for next time. With DATABASE_URL and
CELERY_BROKER_URL set, those are used instead of the embedded server and local broker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable
ADDRESS = os.environ.get("KDS_RUN_ADDRESS", "127.0.0.1:8000")
DEMO_HOUSEHOLDS = os.environ.get("KDS_DEMO_HOUSEHOLDS", "2000")


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
    worker = subprocess.Popen(
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
        cwd=BASE_DIR,
    )
    web = subprocess.Popen([PY, "manage.py", "runserver", ADDRESS, "--noreload"], cwd=BASE_DIR)
    print(f"\nDepok KDS is running on http://{ADDRESS}/  (Ctrl-C stops it)\n{logins_text()}\n")

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and worker.poll() is None and web.poll() is None:
        time.sleep(0.5)
    print("\nStopping Depok KDS…")
    for proc in (web, worker):
        if proc.poll() is None:
            proc.terminate()
    for proc in (web, worker):
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    if embedded:
        from depok_kds.embedded_db import stop as stop_db

        django.db.connections.close_all()
        stop_db()
    print("Stopped. Data is kept under var/ for next time.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
