"""Export of the registry search to XLSX: same filters and scope, masking, audit."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from depok_kds.jobs import job_run
from depok_kds.models import AuditEntry, Job
from registry import import_views
from registry.export import EXPORT_KIND
from registry.imports.tasks import household_export
from tests.registry.factories import (
    KELURAHAN_DEPOK,
    KELURAHAN_TUGU,
    household_registered,
    make_kk,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


EXPORT = reverse("registry:export")


def sheet_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"].startswith('attachment; filename="households-')
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def test_export_with_full_numbers_is_logged(client: Client, dinsos_operator):
    first = household_registered(1, name="Slamet Riyadi")
    household_registered(2, kelurahan=KELURAHAN_TUGU)
    client.force_login(dinsos_operator)

    rows = sheet_rows(client.get(EXPORT, {"kelurahan": KELURAHAN_DEPOK}))

    assert len(rows) == 2  # the header and the one household of kelurahan Depok
    record = rows[1]
    assert record[0] == first.registry_number
    assert record[1] == make_kk(1) and record[3] == first.head.nik
    assert record[4] == 3  # members
    audit = AuditEntry.objects.get(action="pii.export")
    assert audit.actor == dinsos_operator
    assert audit.after["count"] == 1 and audit.after["fields"] == ["nik", "kk"]


def test_export_is_masked_for_users_who_may_not_see_full_numbers(client: Client, auditor_user):
    household = household_registered(1)
    client.force_login(auditor_user)

    rows = sheet_rows(client.get(EXPORT))

    kk, nik = rows[1][1], rows[1][3]
    assert kk == f"{make_kk(1)[:4]}••••••••{make_kk(1)[-4:]}"
    assert household.head.nik not in str(rows) and nik.startswith(household.head.nik[:4])
    audit = AuditEntry.objects.get(action="pii.export")
    assert audit.after["count"] == 1 and audit.after["fields"] == []


def test_export_follows_the_search_and_the_users_scope(client: Client, puskesos_b):
    household_registered(1, name="Slamet Riyadi")
    tugu = household_registered(2, kelurahan=KELURAHAN_TUGU, name="Bambang Pamungkas")
    household_registered(3, kelurahan=KELURAHAN_TUGU, name="Dedi Kurniawan")
    client.force_login(puskesos_b)

    everything = sheet_rows(client.get(EXPORT))
    by_name = sheet_rows(client.get(EXPORT, {"q": "Bambang Pamungkas"}))

    assert len(everything) == 3  # the two households of Tugu only
    assert [row[0] for row in by_name[1:]] == [tugu.registry_number]


def test_export_queries_do_not_grow_with_the_households(
    client: Client, dinsos_operator, django_assert_max_num_queries
):
    for kk in range(1, 13):
        household_registered(kk)
    client.force_login(dinsos_operator)
    with django_assert_max_num_queries(20):
        rows = sheet_rows(client.get(EXPORT))
    assert len(rows) == 13


def test_outsiders_cannot_export(client: Client, leader):
    household_registered(1)
    assert client.get(EXPORT).status_code == 302  # to the login page
    client.force_login(leader)
    assert client.get(EXPORT).status_code == 403
    assert not AuditEntry.objects.filter(action="pii.export").exists()


def test_bad_filters_are_refused(client: Client, dinsos_operator):
    client.force_login(dinsos_operator)
    assert client.get(EXPORT, {"rw": "abc"}).status_code == 400


def test_the_search_page_offers_the_export(client: Client, dinsos_operator):
    client.force_login(dinsos_operator)
    page = client.get(reverse("registry:search"), {"kelurahan": KELURAHAN_DEPOK}).content.decode()
    assert 'id="export-xlsx"' in page and f"{EXPORT}?kelurahan=" in page


def test_a_large_export_runs_as_a_job_for_its_requester_only(
    client: Client, dinsos_operator, dinsos_admin, monkeypatch
):
    monkeypatch.setattr(import_views, "INLINE_LIMIT", 1)
    household_registered(1)
    household_registered(2)
    client.force_login(dinsos_operator)

    response = client.get(EXPORT)

    job = Job.objects.get(kind=EXPORT_KIND)
    page_url = reverse("registry:export-job", args=[job.pk])
    assert response["Location"] == page_url
    assert 'id="export-download"' not in client.get(page_url).content.decode()
    finished = job_run(job_id=job.pk, handler=household_export)
    assert finished.status == Job.Status.SUCCEEDED and finished.result["households"] == 2
    assert AuditEntry.objects.get(action="pii.export").after["count"] == 2
    assert 'id="export-download"' in client.get(page_url).content.decode()
    rows = sheet_rows(client.get(reverse("registry:export-file", args=[job.pk])))
    assert len(rows) == 3

    client.force_login(dinsos_admin)  # not theirs: the file holds the requester's rights
    assert client.get(page_url).status_code == 404
    assert client.get(reverse("registry:export-file", args=[job.pk])).status_code == 404
