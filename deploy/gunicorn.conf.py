"""Gunicorn settings for the production image: `gunicorn --config deploy/gunicorn.conf.py`.

Each value can be tuned from the environment without rebuilding the image.
"""

import multiprocessing
import os

wsgi_app = "depok_kds.wsgi:application"
# All interfaces: inside the container; publish the port only to the reverse proxy.
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# Sync workers: the portal is mostly short database-bound requests; long work goes to
# Celery. Default 2 per CPU + 1, capped so a big host does not exhaust PostgreSQL
# connections (each worker keeps one open, CONN_MAX_AGE).
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

# Restart workers now and then so a slow leak cannot grow without bound.
max_requests = 1000
max_requests_jitter = 100
# Load the project once in the master and fork workers from it: a restarted worker is then
# a fork, not a second import of the whole project (about a second of CPU, which at 150
# requests/s and the restarts above took a tenth of a 2-core machine). No connection is
# opened at import (Django connects on a request's first query), so none is shared.
preload_app = True

# Heartbeat files on tmpfs: a container's overlay filesystem can stall them.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - a tmpfs of the container, not shared temp files

# Logs to stdout/stderr for the container runtime to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
