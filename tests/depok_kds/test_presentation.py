"""Presentation: one formatter for money and dates, job results as a table, no demo box
on a working installation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import Client, override_settings
from django.utils import translation

from depok_kds.formatting import long_date, rupiah

pytestmark = pytest.mark.django_db


def test_rupiah_has_dots_between_thousands_and_no_decimals():
    assert rupiah(Decimal("23000000")) == "Rp23.000.000"
    assert rupiah(2_000_000) == "Rp2.000.000"
    assert rupiah(Decimal("744771.40")) == "Rp744.771"
    assert rupiah(0) == "Rp0"
    assert rupiah(None) == ""


def test_dates_read_as_words_in_indonesian():
    with translation.override("id"):
        assert long_date(date(2026, 12, 6)) == "6 Desember 2026"
        late = datetime(2026, 12, 5, 20, 0, tzinfo=ZoneInfo("UTC"))  # 6 Dec in Jakarta
        assert long_date(late) == "6 Desember 2026"
    with translation.override("en"):
        assert long_date(date(2026, 12, 6)) == "6 December 2026"


def test_job_result_is_a_table_never_a_dict():
    html = Template("{% load kds %}{% for l, v in r|result_rows %}<{{ l }}={{ v }}>{% endfor %}")
    with translation.override("id"):
        out = html.render(Context({"r": {"visits_created": 1200, "per": {"a_b": 3}}}))
    assert "{" not in out and "1.200" in out
    assert "<Per · A b=3>" in out


@override_settings(KDS_DEMO_TOOLS=False)
def test_no_demo_box_on_a_working_installation(dinsos_admin):
    client = Client()
    client.force_login(dinsos_admin)
    assert 'id="demo-job"' not in client.get("/").content.decode()


@override_settings(KDS_DEMO_TOOLS=True)
def test_demo_box_on_the_demo(dinsos_admin):
    client = Client()
    client.force_login(dinsos_admin)
    assert 'id="demo-job"' in client.get("/").content.decode()


def test_admin_import_page_speaks_indonesian(dinsos_admin):
    client = Client()
    client.force_login(dinsos_admin)
    response = client.get("/admin/registry/household/import/", HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Berkas yang diimpor" in body
    assert "File to import" not in body
