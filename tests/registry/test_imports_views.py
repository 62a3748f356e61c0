"""The import pages: who may import, upload -> preview -> confirm, templates, job visibility."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from depok_kds.accounts import user_create
from depok_kds.jobs import job_run
from depok_kds.models import Job
from depok_kds.roles import Role
from registry.imports.selectors import COMMIT_KIND, PREVIEW_KIND
from registry.imports.tasks import import_commit, import_preview
from registry.models import Household
from tests.registry.test_imports_support import (
    csv_bytes,
    family,
    media_root,  # noqa: F401  (uploads go to a temporary MEDIA_ROOT)
)

pytestmark = pytest.mark.django_db

INDEX = reverse("registry:import")
UPLOAD = reverse("registry:import-upload", args=["households"])


def upload(client: Client, content: bytes, name: str = "keluarga.csv"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})


def test_upload_check_and_confirm(client: Client, dinsos_operator):
    client.force_login(dinsos_operator)
    rows = family(1, first_serial=1) + family(2, first_serial=10)
    rows[4]["nik"] = "12345"  # row 6

    response = upload(client, csv_bytes(rows))

    job = Job.objects.get(kind=PREVIEW_KIND)
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import-job", args=[job.pk])
    assert job.params["file_name"] == "keluarga.csv" and job.requested_by == dinsos_operator
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-status"' in page and 'hx-trigger="every 1s"' in page

    job_run(job_id=job.pk, handler=import_preview)
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-confirm"' in page
    assert 'data-row="6"' in page and "12345" not in page.split('id="import-errors"')[0]
    assert not Household.objects.exists()

    confirmed = client.post(reverse("registry:import-confirm", args=[job.pk]))
    commit_job = Job.objects.get(kind=COMMIT_KIND)
    assert confirmed["Location"] == reverse("registry:import-job", args=[commit_job.pk])
    job_run(job_id=commit_job.pk, handler=import_commit)
    assert Household.objects.count() == 1
    page = client.get(confirmed["Location"]).content.decode()
    assert 'data-step="commit"' in page and 'data-status="succeeded"' in page

    again = client.post(reverse("registry:import-confirm", args=[job.pk]))
    assert again.status_code == 302  # refused with a message: confirmed once only
    assert Job.objects.filter(kind=COMMIT_KIND).count() == 1


def test_the_status_partial_for_htmx(client: Client, dinsos_operator):
    client.force_login(dinsos_operator)
    upload(client, csv_bytes(family(1, first_serial=1)))
    job = Job.objects.get(kind=PREVIEW_KIND)
    response = client.get(
        reverse("registry:import-job", args=[job.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert b"<html" not in response.content and b'id="import-status"' in response.content


def test_a_file_without_the_required_columns_is_refused_at_once(client: Client, dinsos_operator):
    client.force_login(dinsos_operator)
    response = upload(client, b"no_kk,nama\n3276011503200001,Siti\n")
    assert response.status_code == 400
    assert "nik" in response.content.decode()
    assert not Job.objects.filter(kind=PREVIEW_KIND).exists()
    response = upload(client, b"plain text", name="notes.txt")
    assert response.status_code == 400


@pytest.mark.parametrize("persona", ["puskesos_a", "dinkes_officer", "leader", "auditor_user"])
def test_only_dinsos_staff_may_import(client: Client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    for url in (INDEX, UPLOAD, reverse("registry:import-template", args=["households", "csv"])):
        assert client.get(url).status_code == 403, url
    assert upload(client, csv_bytes(family(1, first_serial=1))).status_code == 403
    assert not Job.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(client: Client):
    for url in (INDEX, UPLOAD):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_an_import_is_seen_by_its_uploader_and_dinsos_administrators_only(
    client: Client, dinsos_operator, dinsos_admin, auditor_user
):
    client.force_login(dinsos_operator)
    upload(client, csv_bytes(family(1, first_serial=1)))
    job = Job.objects.get(kind=PREVIEW_KIND)
    url = reverse("registry:import-job", args=[job.pk])
    job_run(job_id=job.pk, handler=import_preview)
    colleague = user_create(username="operator.dua", password=None, role=Role.DINSOS_OPERATOR)

    client.force_login(colleague)
    assert client.get(url).status_code == 404
    assert client.post(reverse("registry:import-confirm", args=[job.pk])).status_code == 404
    client.force_login(auditor_user)
    assert client.get(url).status_code == 404
    client.force_login(dinsos_admin)
    assert client.get(url).status_code == 200
    assert str(job.pk) in client.get(INDEX).content.decode()


def test_templates_are_documented_and_import_cleanly(client: Client, dinsos_operator):
    client.force_login(dinsos_operator)
    page = client.get(UPLOAD).content.decode()
    assert 'id="import-columns"' in page and "<code>hubungan</code>" in page

    csv_template = client.get(reverse("registry:import-template", args=["households", "csv"]))
    assert csv_template["Content-Disposition"].endswith('.csv"')
    assert csv_template.content.decode("utf-8-sig").startswith("no_kk,kelurahan_code,")

    xlsx = client.get(reverse("registry:import-template", args=["households", "xlsx"]))
    workbook = load_workbook(io.BytesIO(xlsx.content))
    data = workbook["data"]
    assert data["F2"].value == "3276012505850001" and data["F2"].number_format == "@"
    assert len(workbook.sheetnames) == 2

    response = client.post(UPLOAD, {"file": SimpleUploadedFile("t.xlsx", xlsx.content)})
    job = Job.objects.get(kind=PREVIEW_KIND)
    assert response.status_code == 302
    checked = job_run(job_id=job.pk, handler=import_preview)
    assert checked.error_rows == [] and checked.result["rows_ready"] == 3


@pytest.mark.parametrize("kind", ["assessments", "desil"])
def test_every_kind_has_a_template(client: Client, dinsos_operator, kind):
    client.force_login(dinsos_operator)
    assert client.get(reverse("registry:import-upload", args=[kind])).status_code == 200
    response = client.get(reverse("registry:import-template", args=[kind, "xlsx"]))
    assert response.status_code == 200
    assert client.get(reverse("registry:import-template", args=[kind, "pdf"])).status_code == 404


def test_navigation_offers_import_to_dinsos_staff_only(client: Client, dinsos_operator, puskesos_a):
    client.force_login(dinsos_operator)
    assert INDEX in client.get(reverse("registry:search")).content.decode()
    client.force_login(puskesos_a)
    assert INDEX not in client.get(reverse("registry:search")).content.decode()
