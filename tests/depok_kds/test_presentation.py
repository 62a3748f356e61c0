"""Presentation: one formatter for money and dates, job results as a table, no demo box
on a working installation."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client, override_settings
from django.utils import translation

from depok_kds.formatting import long_date, long_datetime, rupiah

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


def test_moments_read_as_a_date_in_words_and_a_local_clock():
    with translation.override("id"):
        late = datetime(2026, 12, 5, 20, 5, tzinfo=ZoneInfo("UTC"))  # 03:05 in Jakarta
        assert long_datetime(late) == "6 Desember 2026, 03:05"
        assert long_datetime(None) == ""


# Money or a date printed past the one formatter, in a template.
RAW_IN_TEMPLATES = [
    (re.compile(r"Rp\s*\{[{%]"), "Rp before a raw value: use |rupiah"),
    (re.compile(r"\|date:"), "|date: use |tanggal or |tanggal_waktu"),
    (
        # (a form's field renders its own widget: not a value)
        re.compile(
            r"\{\{\s*(?!\w*form\.)\w+\.[\w.]*(_at|_on|amount|amount_min|amount_max|budget|cap)\s*\}\}"
        ),
        "a date or an amount printed raw: use |tanggal, |tanggal_waktu or |rupiah",
    ),
]
# ... and in the apps' Python (messages people read).
RAW_IN_PYTHON = [
    (re.compile(r"Rp\s*\{"), "an f-string amount: use rupiah()"),
    (re.compile(r"Rp\s*%\("), "an interpolated amount: pass rupiah() as the value"),
]
APPS = ("depok_kds", "registry", "programs", "verification", "distribution")


def _offences(paths, patterns):
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for pattern, why in patterns:
                if pattern.search(line):
                    yield f"{path}:{number}: {why}"


def test_no_template_prints_money_or_dates_past_the_formatter():
    templates = sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))
    assert templates
    assert list(_offences(templates, RAW_IN_TEMPLATES)) == []


def test_no_message_formats_money_past_the_formatter():
    sources = [
        path
        for app in APPS
        for path in sorted(Path(settings.BASE_DIR, app).rglob("*.py"))
        if "migrations" not in path.parts and path.name != "formatting.py"
    ]
    assert list(_offences(sources, RAW_IN_PYTHON)) == []


def test_the_scan_finds_what_it_forbids(tmp_path):
    """The two scans above would fail on the shapes they look for."""
    page = tmp_path / "page.html"
    page.write_text('Rp{{ x.amount }} {{ c.amount }} {{ e.created_at|date:"j F Y" }}\n')
    assert len(list(_offences([page], RAW_IN_TEMPLATES))) == 3
    code = tmp_path / "code.py"
    code.write_text('f"Rp{int(total)}"\n_("Rp%(amount)s")\n')
    assert len(list(_offences([code], RAW_IN_PYTHON))) == 2


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
