"""The printed cards: A4 sheets of fronts and mirrored backs, one card alone at ID-1 size,
and a QR code that a scanner reads back as the card's check address."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import zxingcpp
from PIL import Image, ImageOps

from distribution.cards.numbers import card_number_make
from distribution.cards.pdf import CardFace, card_single_pdf, cards_sheets_pdf, qr_picture

URL = "http://127.0.0.1:8000/kartu/dev1.100000042012." + "Q" * 86 + "/"
PAGE = re.compile(rb"/Type /Page\b(?!s)")
MEDIA_BOX = re.compile(rb"/MediaBox \[ 0 0 ([0-9.]+) ([0-9.]+) \]")
MM = 72 / 25.4


def _face(n: int) -> CardFace:
    return CardFace(
        number=card_number_make(kind="family", owner_id=n, issue=1),
        kind="family",
        holder="Siti Aminah",
        kelurahan="Depok",
        issued_on=date(2026, 12, 6),
        url=URL,
    )


def _sizes_mm(pdf: bytes) -> set[tuple[float, float]]:
    return {(round(float(w) / MM, 2), round(float(h) / MM, 2)) for w, h in MEDIA_BOX.findall(pdf)}


@pytest.mark.parametrize(("cards", "pages"), [(1, 2), (8, 2), (9, 4), (17, 6)])
def test_sheets_hold_eight_cards_each_with_a_page_of_backs(cards: int, pages: int):
    out = io.BytesIO()
    sheets_done: list[int] = []
    assert cards_sheets_pdf([_face(n + 1) for n in range(cards)], out, on_sheet=sheets_done.append)
    pdf = out.getvalue()
    assert len(PAGE.findall(pdf)) == pages
    assert _sizes_mm(pdf) == {(210.0, 297.0)}
    assert sheets_done[-1] == cards


def test_a_single_card_is_id1_size_front_and_back():
    out = io.BytesIO()
    assert card_single_pdf(_face(1), out) == 2
    pdf = out.getvalue()
    assert len(PAGE.findall(pdf)) == 2
    assert _sizes_mm(pdf) == {(85.6, 53.98)}


def test_the_qr_code_reads_back_as_the_check_address():
    picture = qr_picture(URL).resize((57 * 6, 57 * 6), Image.Resampling.NEAREST)
    framed = ImageOps.expand(picture, border=24, fill=255)
    (result,) = zxingcpp.read_barcodes(framed)
    assert result.text == URL
