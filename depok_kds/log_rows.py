"""Writing log rows (an API call, a public lookup) without waiting for the disk."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def unflushed_commit() -> Iterator[None]:
    """A transaction whose commit does not wait for its WAL flush. For log rows written on
    every request: a row lost in a server crash (the last fraction of a second) is no loss
    worth a disk flush in each request's answer time. Never for the domain's own writes,
    nor for the audit of personal data shown."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield
