"""Log rows written in one round trip, committed without waiting for the disk."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from depok_kds.log_rows import log_row_insert
from depok_kds.models import ApiCallLog


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('synchronous_commit')")
        return str(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_log_row_is_stored_whole_and_the_session_keeps_durable_commits() -> None:
    path = "/api/v1/jobs/log-row-whole/"  # the other tests' rows may be there too
    log_row_insert(ApiCallLog(method="GET", path=path, status_code=200, duration_ms=7))

    row = ApiCallLog.objects.get(path=path)
    assert (row.method, row.status_code, row.duration_ms) == ("GET", 200, 7)
    assert row.client is None and row.created_at is not None
    # The unflushed commit held for that insert only: the next writes wait for the disk.
    assert _synchronous_commit() == "on"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_inside_a_transaction_the_row_goes_with_it() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        log_row_insert(
            ApiCallLog(
                method="GET", path="/api/log-row-rolled-back/", status_code=200, duration_ms=1
            )
        )
        assert _synchronous_commit() == "on"
        raise RuntimeError("rolled back")

    assert not ApiCallLog.objects.filter(path="/api/log-row-rolled-back/").exists()
