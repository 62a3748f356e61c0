"""Browser tests of distribution: one tahap end to end for a bank-file programme (SMA/MA),
for food aid (hand-over at the outlet on a phone) and for RTLH (shop, labour, LPJ)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from depok_kds.accounts import user_create
from depok_kds.roles import Role
from distribution.models import Batch, Line
from distribution.services import outlet_save, payee_save
from programs.rtlh.models import RtlhDetail
from registry.models import Person
from tests.conftest import KELURAHAN_DEPOK, PASSWORD
from tests.distribution.factories import (
    account,
    beneficiary,
    cycle_of,
    new_batch,
    return_csv,
    sent,
    with_application,
)
from tests.programs.factories import applicant

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 40


@pytest.fixture
def second_admin(db):
    """Another Dinsos administrator, to approve what the first prepared."""
    return user_create(username="admin2", password=PASSWORD, role=Role.DINSOS_ADMIN)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_bank_file_tahap_from_build_to_reissue_paid_once(
    session, dinsos_admin, second_admin, celery_worker_process
):
    enrolments = [beneficiary() for _ in range(3)]
    preparer = session(dinsos_admin)
    preparer.goto("/distribution/")
    preparer.select_option("#id_cycle", str(cycle_of("pendidikan-sma").pk))
    preparer.fill("#id_tahap", "1")
    preparer.fill("#id_period_start", "2026-01-01")
    preparer.fill("#id_period_end", "2026-12-31")
    preparer.fill("#id_planned_on", "2026-04-01")
    preparer.click("#new-batch button[type=submit]")
    preparer.wait_for_url(re.compile(r"/distribution/\d+/$"))
    preparer.click("#build")
    expect(preparer.locator("#job-progress")).to_have_attribute(
        "data-status", "succeeded", timeout=90_000
    )
    preparer.reload()
    expect(preparer.locator("#lines tbody tr")).to_have_count(3)
    # The preparer is not offered approval; another administrator approves.
    expect(preparer.locator("#approve")).to_have_count(0)
    batch = Batch.objects.get()
    approver = session(second_admin)
    approver.goto(f"/distribution/{batch.pk}/")
    approver.click("#approve")
    expect(approver.locator("#batch-state")).to_have_attribute("data-state", "approved")
    preparer.reload()
    preparer.click("#send")
    expect(preparer.locator("#batch-state")).to_have_attribute("data-state", "sent")
    with preparer.expect_download() as download:
        preparer.click("#download")
    assert download.value.suggested_filename.startswith("disbursement-")
    # The bank returns one failure; the preview shows it before anything changes.
    refs = list(batch.lines.order_by("pk").values_list("reference", flat=True))
    content = return_csv(
        [(refs[0], 2_000_000, "GAGAL", "Rekening tutup")]
        + [(ref, 2_000_000, "00", "") for ref in refs[1:]]
    )
    preparer.set_input_files(
        "#id_file", files=[{"name": "retur.csv", "mimeType": "text/csv", "buffer": content}]
    )
    preparer.click("#return-form button[type=submit]")
    expect(preparer.locator("#return-files article")).to_have_attribute("data-applied", "no")
    expect(preparer.locator("#totals [data-total=paid] td").nth(1)).to_have_text("0")
    preparer.click("#return-files .apply")
    expect(preparer.locator("#batch-state")).to_have_attribute("data-state", "settled")
    expect(preparer.locator("#totals [data-total=paid] td").nth(1)).to_have_text("2")
    # The account is corrected and the failed line re-issued in the next tahap.
    failed = batch.lines.get(reference=refs[0])
    payee_save(actor=dinsos_admin, kind="person", person_id=failed.person_id, name="x",
               account_number=account())  # fmt: skip
    later = new_batch("pendidikan-sma", actor=dinsos_admin, tahap=2, start=date(2026, 1, 1),
                      end=date(2026, 12, 31))  # fmt: skip
    preparer.goto(f"/distribution/{batch.pk}/?state=failed")
    preparer.fill(f"tr[data-reference='{refs[0]}'] input[name=batch]", str(later.pk))
    preparer.click(f"tr[data-reference='{refs[0]}'] button")
    preparer.wait_for_url(f"**/distribution/{later.pk}/")
    expect(preparer.locator("#lines tbody tr")).to_have_count(1)
    # Building the later tahap adds nobody already paid this year: each is paid once.
    preparer.click("#build")
    expect(preparer.locator("#job-progress")).to_have_attribute(
        "data-status", "succeeded", timeout=90_000
    )
    preparer.reload()
    expect(preparer.locator("#lines tbody tr")).to_have_count(1)
    for enrolment in enrolments:
        live = Line.objects.filter(enrolment=enrolment, state__in=["pending", "paid"]).count()
        assert live == 1


def test_food_aid_handed_over_to_a_same_kk_member_on_a_phone(
    session, dinsos_operator, second_admin, puskesos_a
):
    outlet_save(actor=None, code="GP01", name="Gerai Pangan Pancoran Mas",
                kelurahan_codes=[KELURAHAN_DEPOK])  # fmt: skip
    enrolment = beneficiary("bantuan-pangan-kota", with_account=False, birth_date=date(1950, 1, 1))
    batch = sent(new_batch("bantuan-pangan-kota", actor=dinsos_operator),
                 preparer=dinsos_operator, approver=second_admin)  # fmt: skip
    elder = Person.objects.get(pk=enrolment.person_id)
    daughter = applicant(household=elder.household)
    stranger = applicant()
    line = batch.lines.get()
    officer = session(puskesos_a)
    officer.set_viewport_size({"width": 390, "height": 844})
    officer.goto("/distribution/handovers/")
    officer.click(f"li[data-reference='{line.reference}'] a")
    officer.fill("#id_receiver_nik", stranger.nik)
    officer.set_input_files(
        "#id_evidence", files=[{"name": "ttd.png", "mimeType": "image/png", "buffer": PNG}]
    )
    officer.click("#handover-form button[type=submit]")
    expect(officer.locator("body")).to_contain_text("bukan anggota KK yang sama")
    officer.goto(f"/distribution/handovers/{line.pk}/")
    officer.fill("#id_receiver_nik", daughter.nik)
    officer.set_input_files(
        "#id_evidence", files=[{"name": "ttd.png", "mimeType": "image/png", "buffer": PNG}]
    )
    officer.click("#handover-form button[type=submit]")
    officer.wait_for_url("**/distribution/handovers/")
    expect(officer.locator("#handover-lines")).not_to_contain_text(line.reference)
    assert officer.evaluate("document.documentElement.scrollWidth") <= 390
    line.refresh_from_db()
    assert line.state == "paid"


def test_rtlh_pays_shop_and_labour_and_closes_with_the_lpj(
    session, disrumkim_officer, dinsos_admin
):
    payee_save(actor=None, kind="shop", name="TB Maju", account_number=account())
    house = beneficiary("rtlh")
    RtlhDetail.objects.create(
        application=with_application(house), owner_first_house=True,
        land_and_building_in_owner_name=True, in_dispute=False, damage_from_disaster=False,
        no_sale_within_three_years=True, partner_shop="TB Maju",
    )  # fmt: skip
    batch = sent(new_batch("rtlh", actor=disrumkim_officer), preparer=disrumkim_officer,
                 approver=dinsos_admin)  # fmt: skip
    refs = dict(batch.lines.values_list("component", "reference"))
    officer = session(disrumkim_officer)
    officer.goto(f"/distribution/{batch.pk}/")
    expect(officer.locator("#lines tbody tr")).to_have_count(3)
    content = return_csv([(refs["materials"], 20_000_000, "00", ""),
                          (refs["labour"], 2_800_000, "00", ""),
                          (refs["report"], 200_000, "00", "")])  # fmt: skip
    officer.set_input_files(
        "#id_file", files=[{"name": "retur.csv", "mimeType": "text/csv", "buffer": content}]
    )
    officer.click("#return-form button[type=submit]")
    officer.click("#return-files .apply")
    expect(officer.locator("#batch-state")).to_have_attribute("data-state", "settled")
    officer.click("#close")
    expect(officer.locator("body")).to_contain_text("belum memiliki laporan pertanggungjawaban")
    row = officer.locator(f"tr[data-reference='{refs['report']}']")
    row.locator("input[type=file]").set_input_files(
        files=[{"name": "lpj.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 lpj"}]
    )
    row.locator("button").click()
    officer.goto(f"/distribution/{batch.pk}/")
    officer.click("#close")
    expect(officer.locator("#batch-state")).to_have_attribute("data-state", "closed")
