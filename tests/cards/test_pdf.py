"""The printed cards: A4 sheets of fronts and mirrored backs, one card alone at ID-1 size,
and QR codes, drawn as vectors, that a scanner reads back from the rendered page as the
cards' check addresses."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import segno
import zxingcpp
from django.test import override_settings
from PIL import Image

from distribution.cards.numbers import card_number_make
from distribution.cards.pdf import (
    CardFace,
    card_single_pdf,
    cards_sheets_pdf,
    qr_matrix,
    qr_path,
)
from distribution.cards.printing import verify_url_prefix
from distribution.cards.signing import token_sign, token_verify

PAGE = re.compile(rb"/Type /Page\b(?!s)")
MEDIA_BOX = re.compile(rb"/MediaBox \[ 0 0 ([0-9.]+) ([0-9.]+) \]")
RUN = re.compile(r"^(\d+) (\d+) (\d+) 1 re$", re.MULTILINE)
MM = 72 / 25.4
UNDATED = re.compile(rb"/(?:CreationDate|ModDate) \(D:[^)]*\)|/ID\s*\[[^\]]*\]")
PUBLIC_URL = "https://kds.depok.go.id"


def _face(n: int, kind: str = "family") -> CardFace:
    number = card_number_make(kind=kind, owner_id=n, issue=1)  # type: ignore[arg-type]
    return CardFace(
        number=number,
        kind=kind,
        holder="Siti Aminah",
        kelurahan="Depok",
        issued_on=date(2026, 12, 6),
        url=verify_url_prefix() + token_sign(number),
    )


def _sizes_mm(pdf: bytes) -> set[tuple[float, float]]:
    return {(round(float(w) / MM, 2), round(float(h) / MM, 2)) for w, h in MEDIA_BOX.findall(pdf)}


def _undated(pdf: bytes) -> bytes:
    """The PDF without what differs from one run to the next: its dates and its id."""
    return UNDATED.sub(b"", pdf)


def _read_qr_codes(pdf: bytes, folder: Path) -> list[str]:
    """The texts of the QR codes a scanner finds on the first page, rendered at 150 dpi."""
    source = folder / "cards.pdf"
    source.write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm") or "pdftoppm"
    subprocess.run(  # noqa: S603 - fixed arguments
        [pdftoppm, "-r", "150", "-f", "1", "-l", "1", "-png", source, folder / "page"], check=True
    )
    (png,) = folder.glob("page-*.png")
    return [result.text for result in zxingcpp.read_barcodes(Image.open(png))]


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


def test_the_qr_codes_on_a_sheet_read_back_as_the_check_addresses(tmp_path: Path):
    faces = [_face(n + 1, "family" if n % 2 else "student") for n in range(8)]
    out = io.BytesIO()
    cards_sheets_pdf(faces, out)
    read = _read_qr_codes(out.getvalue(), tmp_path)
    assert sorted(read) == sorted(face.url for face in faces)
    assert {token_verify(url.rsplit("/", 1)[1]) for url in read} == {f.number for f in faces}


def test_codes_encoded_in_a_pool_of_processes_are_the_same_and_in_order(tmp_path: Path):
    faces = [_face(n + 1) for n in range(20)]
    alone, pooled = io.BytesIO(), io.BytesIO()
    assert cards_sheets_pdf(faces, alone) == cards_sheets_pdf(faces, pooled, processes=2) == 6
    assert _undated(pooled.getvalue()) == _undated(alone.getvalue())
    assert sorted(_read_qr_codes(pooled.getvalue(), tmp_path)) == sorted(f.url for f in faces[:8])


def test_a_single_cards_qr_code_reads_back(tmp_path: Path):
    face = _face(7)
    out = io.BytesIO()
    card_single_pdf(face, out)
    assert _read_qr_codes(out.getvalue(), tmp_path) == [face.url]


@override_settings(KDS_CARD_PUBLIC_URL=PUBLIC_URL)
def test_the_check_address_is_a_small_alphanumeric_code_at_level_m():
    url = _face(12_345_678).url
    assert url.startswith("HTTPS://KDS.DEPOK.GO.ID/K/")
    code = segno.make(url, error="m", micro=False, boost_error=False)
    assert (code.mode, code.version, code.error) == ("alphanumeric", 6, "M")


def test_the_drawn_path_is_the_codes_dark_modules():
    matrix = qr_matrix(_face(1).url)
    drawn = {
        (x, len(matrix) - 1 - int(y))
        for start, y, width in RUN.findall(qr_path(matrix))
        for x in range(int(start), int(start) + int(width))
    }
    dark = {(x, y) for y, row in enumerate(matrix) for x, module in enumerate(row) if module}
    assert drawn == dark
