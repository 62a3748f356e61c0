"""A large import on a real Celery worker: its preview checks the rows in a pool of
processes started from the worker's own process, then its commit writes them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from registry.imports.base import POOL_FROM
from registry.imports.services import import_commit_start, import_start, prepared_path, upload_path
from registry.models import Household, Person
from tests.integration.test_worker import job_status, wait_for
from tests.registry.test_imports_support import csv_bytes, member

pytestmark = [
    pytest.mark.integration,
    pytest.mark.xdist_group("worker"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FAMILIES = POOL_FROM // 3 + 100  # three members each: enough rows for the pool


def rows() -> list[dict[str, str]]:
    """A head and two children per family; birth days differ by family, so NIKs do too."""
    return [
        member(kk, serial, relationship=relationship, born=born + timedelta(days=kk))
        for kk in range(1, FAMILIES + 1)
        for serial, relationship, born in (
            (1, "1", date(1970, 1, 1)),
            (2, "4", date(2000, 1, 1)),
            (3, "4", date(2005, 1, 1)),
        )
    ]


def test_a_large_import_is_checked_in_a_pool_on_a_real_worker(
    celery_worker_process, dinsos_operator
):
    upload = SimpleUploadedFile("besar.csv", csv_bytes(rows()))
    checked = import_start(actor=dinsos_operator, kind_key="households", upload=upload)
    path = upload_path(checked.params["path"])
    try:
        wait_for(lambda: job_status(checked.pk).is_finished, timeout=120, what="the preview")
        checked.refresh_from_db()
        assert checked.status == checked.Status.SUCCEEDED, checked.error_message
        assert checked.error_rows == []
        assert checked.result["rows"] == checked.result["rows_ready"] == FAMILIES * 3 >= POOL_FROM

        written = import_commit_start(actor=dinsos_operator, preview_job_id=checked.pk)
        wait_for(lambda: job_status(written.pk).is_finished, timeout=120, what="the commit")
        written.refresh_from_db()
        assert written.status == written.Status.SUCCEEDED, written.error_message
        assert Household.objects.count() == FAMILIES
        assert Person.objects.count() == FAMILIES * 3
    finally:
        path.unlink(missing_ok=True)
        prepared_path(path).unlink(missing_ok=True)
