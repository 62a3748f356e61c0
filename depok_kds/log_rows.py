"""Writing log rows (an API call, a public lookup) without waiting for the disk."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


def log_row_insert(row: Model) -> None:
    """Insert `row`, an unsaved log row, in one round trip to the database whose commit
    does not wait for its WAL flush. For log rows written on every request: a row lost in a
    server crash (the last fraction of a second) is no loss worth a disk flush, nor a
    transaction's three more round trips, in each request's answer time. Never for the
    domain's own writes, nor for the audit of personal data shown.

    The two statements go as one simple query, which PostgreSQL runs as one implicit
    transaction: `SET LOCAL` holds for its insert only. Inside a transaction the row is
    saved plainly, with that transaction (whose durability is not this row's to change).
    """
    if connection.in_atomic_block:
        row.save(force_insert=True)
        return
    meta = row._meta
    fields = [field for field in meta.local_concrete_fields if not field.primary_key]
    values = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Names from the model's own metadata, values as parameters.
    sql = f"SET LOCAL synchronous_commit TO OFF; INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: E501, S608
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
