"""The SK decree PDF reads as a decree: letterhead, number and date, totals, signature."""

from __future__ import annotations

from datetime import date

import pytest
from reportlab import rl_config

from programs.exports import decree_pdf, decree_xlsx
from programs.services import (
    application_approve,
    application_submit,
    application_verification_start,
    decree_fix,
)
from tests.programs.factories import KIS, applicant, open_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def decree(monkeypatch, dinkes_officer):
    monkeypatch.setattr(rl_config, "pageCompression", 0)  # text readable in the bytes
    monkeypatch.setattr(
        "programs.services.APPROVAL_GATES", [], raising=False
    )  # the decree alone; verification gates have their own tests
    cycle = open_cycle("kis-pbi-apbd")
    for _ in range(2):
        application = application_submit(
            actor=None, cycle_id=cycle.pk, person_id=applicant().pk, channel="agency", detail=KIS
        )
        application_verification_start(actor=dinkes_officer, application_id=application.pk)
        application_approve(actor=dinkes_officer, application_id=application.pk, reason="ok")
    return decree_fix(
        actor=dinkes_officer, cycle_id=cycle.pk, number="SK/7/2026", decreed_on=date(2026, 12, 6)
    )


def test_decree_pdf_has_letterhead_number_totals_and_signature(decree):
    text = decree_pdf(decree, full_nik=False).decode("latin-1")
    for expected in ("KOTA DEPOK", "SK/7/2026", "6 Desember 2026", "WALI KOTA DEPOK", "Total"):
        assert expected in text, expected
    assert "2 penerima" in text


def test_decree_xlsx_ends_with_the_total(decree):
    assert decree_xlsx(decree, full_nik=False).startswith(b"PK")
