"""Files of personal data are deleted once old: exports after hours, uploads after days,
never a file a job still reads; the pages say what became of them."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from depok_kds.jobs import job_run
from depok_kds.models import Job
from registry import import_views
from registry.export import EXPORT_KIND, export_path
from registry.imports.selectors import COMMIT_KIND, PREVIEW_KIND
from registry.imports.services import imports_dir
from registry.imports.tasks import household_export, import_preview
from registry.retention import files_purge
from registry.tasks import files_purge_old
from tests.registry.factories import household_registered
from tests.registry.test_imports_support import (
    csv_bytes,
    family,
    media_root,  # noqa: F401  (uploads go to a temporary MEDIA_ROOT)
)
from tests.registry.test_imports_views import upload

pytestmark = pytest.mark.django_db
HOUR = 3600


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_an_old_export_is_deleted_and_its_page_says_so(
    client: Client, dinsos_operator, monkeypatch
):
    monkeypatch.setattr(import_views, "INLINE_LIMIT", 1)
    household_registered(1)
    household_registered(2)
    client.force_login(dinsos_operator)
    client.get(reverse("registry:export"))
    job = job_run(job_id=Job.objects.get(kind=EXPORT_KIND).pk, handler=household_export)
    page_url = reverse("registry:export-job", args=[job.pk])
    path = export_path(job)

    age(path, (settings.KDS_EXPORT_KEEP_HOURS - 1) * HOUR)
    assert files_purge() == {"exports": 0, "imports": 0}
    age(path, (settings.KDS_EXPORT_KEEP_HOURS + 1) * HOUR)
    assert files_purge() == {"exports": 1, "imports": 0}

    assert not path.exists()
    page = client.get(page_url).content.decode()
    assert 'id="export-deleted"' in page and 'id="export-download"' not in page
    assert client.get(reverse("registry:export-file", args=[job.pk])).status_code == 404


def test_an_old_upload_is_deleted_unless_a_job_still_reads_it(client: Client, dinsos_operator):
    client.force_login(dinsos_operator)
    upload(client, csv_bytes(family(1, first_serial=1)))
    upload(client, csv_bytes(family(2, first_serial=10)))
    checked, waiting = Job.objects.filter(kind=PREVIEW_KIND).order_by("pk")
    job_run(job_id=checked.pk, handler=import_preview)  # writes its checked copy beside it
    for path in imports_dir().iterdir():
        age(path, (settings.KDS_IMPORT_KEEP_DAYS * 24 + 1) * HOUR)

    assert files_purge()["imports"] == 2  # the upload and its checked copy; not the queued one
    assert [p.name for p in imports_dir().iterdir()] == [waiting.params["path"]]

    response = client.post(reverse("registry:import-confirm", args=[checked.pk]))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Berkas yang telah diperiksa dihapus setelah {settings.KDS_IMPORT_KEEP_DAYS} hari; "
        "unggah lagi."
    ]
    assert not Job.objects.filter(kind=COMMIT_KIND).exists()


def test_the_beat_purges_every_hour():
    assert settings.CELERY_BEAT_SCHEDULE["purge-old-files"] == {
        "task": files_purge_old.name,
        "schedule": 3600.0,
    }
    assert files_purge_old() == {"exports": 0, "imports": 0}
