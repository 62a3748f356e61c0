"""Browser test of KDS cards: a Puskesos officer issues the cards of her kelurahan and prints
them (the PDF is turned into images and its QR codes read back), hands one over; a visitor
scans it anonymously; the card is reported lost and reissued, and its old QR says so."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from distribution.cards.models import Card
from distribution.cards.numbers import card_number_display
from tests.cards.factories import enrolled_student, entitled_household
from tests.conftest import KELURAHAN_DEPOK

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PDFTOPPM = shutil.which("pdftoppm")


@pytest.fixture
def media_root(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Print runs in a temporary folder, for the live server and the worker alike."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    monkeypatch.setenv("KDS_MEDIA_ROOT", str(media))
    return media


@pytest.fixture
def worker(media_root: Path, celery_worker_process: Callable[[], object]) -> None:
    """A real Celery worker, started after the media folder is chosen."""


def _pages_as_png(pdf: Path, out: Path, *, first: int, last: int) -> list[Path]:
    subprocess.run(  # noqa: S603 - fixed arguments
        [PDFTOPPM or "pdftoppm", "-r", "200", "-f", str(first), "-l", str(last), "-png", pdf, out],
        check=True,
    )
    return sorted(out.parent.glob(f"{out.name}-*.png"))


def _qr_paths(png: Path) -> list[str]:
    return [urlsplit(r.text).path for r in zxingcpp.read_barcodes(Image.open(png))]


@pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm (poppler-utils) is missing")
def test_issue_print_scan_report_lost_and_reissue(
    session, browser, live_server, worker, tmp_path, puskesos_a
):
    households = [entitled_household(name=f"Budi Santoso {n}") for n in range(3)]
    enrolled_student(households[0], name="Rina Amelia")

    officer = session(puskesos_a)
    officer.goto("/cards/")
    officer.select_option("#id_issue-kelurahan", KELURAHAN_DEPOK)
    officer.click("#card-issue-submit")
    expect(officer.locator('#cards tr[data-state="requested"]')).to_have_count(4)

    officer.select_option("#id_print-kelurahan", KELURAHAN_DEPOK)
    officer.click("#card-print-submit")
    officer.wait_for_url(re.compile(r"/cards/prints/\d+/$"))
    expect(officer.locator("#print-status")).to_have_attribute(
        "data-status", "succeeded", timeout=60_000
    )
    with officer.expect_download() as download:
        officer.click("#print-download")
    pdf = tmp_path / "cards.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    front, back = _pages_as_png(pdf, tmp_path / "sheet", first=1, last=2)
    print(f"sheet pages as images: {front} {back}")  # looked at by a person, too
    paths = _qr_paths(front)
    assert len(paths) == 4 and all(p.startswith("/K/") for p in paths)
    assert _qr_paths(back) == []  # the backs carry no QR code
    numbers = {p.split(".")[1]: p for p in paths}
    assert set(numbers) == set(Card.objects.values_list("number", flat=True))

    family = Card.objects.get(household=households[1], kind="family")
    officer.set_viewport_size({"width": 390, "height": 844})  # on the phone, at the hand-over
    officer.goto("/cards/")
    officer.fill("#id_number", card_number_display(family.number))
    officer.click("#card-find")
    officer.wait_for_url(f"**/cards/{family.pk}/")
    officer.fill("#id_received_by", "Siti Aminah")
    officer.fill("#id_on", timezone.localdate().isoformat())
    officer.click("#card-hand-over button")
    expect(officer.locator("#card-state")).to_have_attribute("data-state", "handed_over")

    visitor = browser.new_context(base_url=live_server.url, locale="id-ID").new_page()
    visitor.goto(numbers[family.number])
    expect(visitor.locator("#card-check")).to_have_attribute("data-answer", "valid")
    expect(visitor.locator("#card-holder")).to_have_text("B••• S•••••• 1")
    expect(visitor.locator("body")).not_to_contain_text("Budi Santoso")

    officer.select_option("#card-replace select", "lost")
    officer.click("#card-replace button")
    officer.wait_for_url(re.compile(r"/cards/\d+/$"))
    successor = Card.objects.get(replaces=family)
    expect(officer.locator("#card-number")).to_have_text(card_number_display(successor.number))
    with officer.expect_download() as single:
        officer.click("#card-print-one")
    one = tmp_path / "replacement.pdf"
    single.value.save_as(one)
    (card_front,) = _pages_as_png(one, tmp_path / "single", first=1, last=1)
    (new_path,) = _qr_paths(card_front)
    assert new_path.split(".")[1] == successor.number
    officer.reload()  # the download left the page as it was
    expect(officer.locator("#card-state")).to_have_attribute("data-state", "printed")

    visitor.goto(numbers[family.number])
    expect(visitor.locator("#card-check")).to_have_attribute("data-answer", "replaced")
    visitor.goto(new_path)  # printed, not yet handed over: not valid yet
    expect(visitor.locator("#card-check")).to_have_attribute("data-answer", "not_valid")
