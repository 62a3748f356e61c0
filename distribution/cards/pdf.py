"""Printing KDS cards: ID-1 cards (85.60 x 53.98 mm), front and back, in a PDF.

A print shop gets A4 sheets of eight cards with crop marks: a page of fronts, then a page
of their backs mirrored left-right, so that duplex printing (flip on the long edge) puts each
back behind its front. A replacement is printed alone, on a page of its own size.

The QR code (segno) holds only the verification URL with the signed token. Its mask is
fixed instead of searched: any mask is valid and readable, and evaluating all eight costs
six times as much as the rest of the code, which matters when a kelurahan prints thousands.
Error correction is level M (15% of the code may be lost: a scratch or a worn corner on a
card carried in a wallet), the usual level for printed ID cards; L (7%) would gain one
version and Q (25%) cost two, for a wear an ID card seldom sees. The code is drawn as
vectors, one path of a rectangle per run of dark modules in a row: sharp at any printer's
resolution, and no picture to encode and compress per card. What is the same on every card
(bands, titles, labels, the back's text) is drawn once per PDF as a form and reused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import IO, TypeVar

import billiard
import segno
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from distribution.cards.numbers import card_number_display

CARD_W, CARD_H = 85.60 * mm, 53.98 * mm
COLUMNS, ROWS = 2, 4
PER_SHEET = COLUMNS * ROWS
GAP = 6 * mm  # between cards: room for the crop marks
MARK, MARK_GAP = 4 * mm, 1 * mm
QR_SIZE = 24 * mm
QR_MASK = 4
GREEN = Color(0.0, 0.42, 0.27)
GOLD = Color(0.93, 0.73, 0.15)
GREY = Color(0.35, 0.35, 0.35)
QR_ERROR = "m"
FRONT_FORMS = {"family": "cardFrontFamily", "student": "cardFrontStudent"}
BACK_FORM = "cardBack"
QR_BATCH = 512  # codes handed to the pool at a time, a batch ahead of the drawing
QR_TASK = 32  # codes per task of a process of the pool
_DARK_RUN = re.compile(rb"\x01+")  # segno's matrix: 1 dark, 0 light


T = TypeVar("T")
QrCode = tuple[int, str]  # modules a side; the dark modules as a path, in module units


@dataclass(frozen=True)
class CardFace:
    """What is printed on one card."""

    number: str
    kind: str  # "family" or "student"
    holder: str
    kelurahan: str
    issued_on: date
    url: str


def qr_matrix(data: str) -> Sequence[bytes | bytearray]:
    """The modules of the QR code of `data`, row by row from the top, 1 dark and 0 light."""
    return segno.make(data, error=QR_ERROR, micro=False, mask=QR_MASK, boost_error=False).matrix


def qr_path(matrix: Sequence[bytes | bytearray]) -> str:
    """The dark modules of `matrix` as PDF path operators in module units, the origin at the
    lower left corner: a rectangle per run of dark modules in a row."""
    count = len(matrix)
    return "\n".join(
        f"{run.start()} {count - 1 - row} {run.end() - run.start()} 1 re"
        for row, modules in enumerate(matrix)
        for run in _DARK_RUN.finditer(modules)
    )


def qr_code(data: str) -> QrCode:
    """The QR code of `data`, ready to draw (and to send from a process of a pool)."""
    matrix = qr_matrix(data)
    return len(matrix), qr_path(matrix)


def _draw_qr(canvas: Canvas, code: QrCode, x: float, y: float, size: float) -> None:
    """Fill the code's dark modules in black in a square of `size` points whose lower left
    corner is (x, y), as one path. No quiet zone: the card's white margin around the code is
    wider than the four modules a scanner needs."""
    count, path = code
    scale = size / count
    canvas.addLiteral(f"q 0 g {scale:.5f} 0 0 {scale:.5f} {x:.3f} {y:.3f} cm\n{path}\nf Q")


def _with_codes(
    faces: Iterable[CardFace], processes: int
) -> Generator[tuple[CardFace, QrCode], None, None]:
    """Each face with its QR code. With more than one process the codes are encoded in a
    pool, a batch ahead of the drawing: encoding is most of the work, and pure Python, so
    one process would use one core only. (billiard, Celery's own multiprocessing, may start
    processes from a worker's process too.)"""
    if processes <= 1:
        for face in faces:
            yield face, qr_code(face.url)
        return
    pool = billiard.Pool(processes=processes)
    try:
        ahead: tuple[list[CardFace], Iterator[QrCode]] | None = None
        for batch in _chunks(faces, QR_BATCH):
            encoding = pool.imap(qr_code, [face.url for face in batch], chunksize=QR_TASK)
            if ahead is not None:
                yield from zip(*ahead, strict=True)
            ahead = (batch, encoding)
        if ahead is not None:
            yield from zip(*ahead, strict=True)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _front_form(canvas: Canvas, kind: str) -> None:
    """What every front of a `kind` card shows."""
    canvas.beginForm(FRONT_FORMS[kind], 0, 0, CARD_W, CARD_H)
    canvas.setFillColor(GREEN)
    canvas.rect(0, CARD_H - 13 * mm, CARD_W, 13 * mm, stroke=0, fill=1)
    canvas.setFillColor(GOLD)
    canvas.rect(0, CARD_H - 14 * mm, CARD_W, 1 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont("Helvetica-Bold", 7)
    canvas.drawString(4 * mm, CARD_H - 5 * mm, _("CITY OF DEPOK"))
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(4 * mm, CARD_H - 10 * mm, _("KARTU DEPOK SEJAHTERA"))
    canvas.setFillColor(black)
    canvas.setFont("Helvetica-Bold", 7.5)
    canvas.drawString(
        4 * mm, CARD_H - 19 * mm, _("FAMILY CARD") if kind == "family" else _("STUDENT CARD")
    )
    canvas.setFillColor(GREY)
    canvas.setFont("Helvetica", 5.5)
    for line, label in enumerate((_("Name"), _("Kelurahan"), _("Issued"))):
        canvas.drawString(4 * mm, _line_top(line), label)
    canvas.endForm()


def _line_top(line: int) -> float:
    return float(CARD_H - 31 * mm - line * 6.5 * mm)


def _front(canvas: Canvas, face: CardFace, code: QrCode, x: float, y: float) -> None:
    canvas.saveState()
    canvas.translate(x, y)
    canvas.doForm(FRONT_FORMS[face.kind])
    canvas.setFillColor(black)
    canvas.setFont("Courier-Bold", 11)
    canvas.drawString(4 * mm, CARD_H - 25 * mm, card_number_display(face.number))
    canvas.setFont("Helvetica-Bold", 7.5)
    issued = formats.date_format(face.issued_on, "j F Y")
    for line, value in enumerate((face.holder, face.kelurahan, issued)):
        text = _fit(canvas, value, 52 * mm, "Helvetica-Bold", 7.5)
        canvas.drawString(4 * mm, _line_top(line) - 3 * mm, text)
    _draw_qr(canvas, code, CARD_W - QR_SIZE - 4 * mm, 4 * mm, QR_SIZE)
    canvas.restoreState()


def _back_form(canvas: Canvas) -> None:
    """What every back shows."""
    canvas.beginForm(BACK_FORM, 0, 0, CARD_W, CARD_H)
    canvas.setFillColor(GREEN)
    canvas.rect(0, 0, CARD_W, 7 * mm, stroke=0, fill=1)
    canvas.setFillColor(black)
    canvas.setFont("Helvetica-Bold", 7)
    canvas.drawString(4 * mm, CARD_H - 7 * mm, _("KARTU DEPOK SEJAHTERA"))
    canvas.setFont("Helvetica", 6)
    lines = (
        _("This card belongs to the Government of the City of Depok."),
        _("It is not transferable. Scan the QR code on the front"),
        _("to check that the card is genuine and valid."),
        _("Found this card? Return it to Dinas Sosial Kota Depok"),
        _("or to the nearest kelurahan office."),
    )
    for index, line in enumerate(lines):
        canvas.drawString(4 * mm, CARD_H - 14 * mm - index * 3.2 * mm, line)
    canvas.setFillColor(white)
    canvas.setFont("Helvetica-Bold", 6)
    canvas.drawString(4 * mm, 2.5 * mm, _("Dinas Sosial Kota Depok"))
    canvas.endForm()


def _back(canvas: Canvas, face: CardFace, x: float, y: float) -> None:
    canvas.saveState()
    canvas.translate(x, y)
    canvas.doForm(BACK_FORM)
    canvas.setFillColor(black)
    canvas.setFont("Courier-Bold", 8)
    canvas.drawString(4 * mm, 11 * mm, card_number_display(face.number))
    canvas.restoreState()


def _canvas(out: IO[bytes], pagesize: tuple[float, float], title: str) -> Canvas:
    """A canvas with the forms every card draws on."""
    canvas = Canvas(out, pagesize=pagesize, pageCompression=1)
    canvas.setTitle(title)
    for kind in FRONT_FORMS:
        _front_form(canvas, kind)
    _back_form(canvas)
    return canvas


def _fit(canvas: Canvas, text: str, width: float, font: str, size: float) -> str:
    if canvas.stringWidth(text, font, size) <= width:
        return text
    while text and canvas.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _slots(mirrored: bool) -> list[tuple[float, float]]:
    page_w, page_h = A4
    left = (page_w - COLUMNS * CARD_W - (COLUMNS - 1) * GAP) / 2
    top = (page_h + ROWS * CARD_H + (ROWS - 1) * GAP) / 2
    slots = []
    for row in range(ROWS):
        for column in range(COLUMNS):
            col = COLUMNS - 1 - column if mirrored else column
            slots.append((left + col * (CARD_W + GAP), top - (row + 1) * CARD_H - row * GAP))
    return slots


def _crop_marks(canvas: Canvas, slots: list[tuple[float, float]]) -> None:
    canvas.setLineWidth(0.25)
    canvas.setStrokeColor(black)
    for x, y in slots:
        for cx, dx in ((x, -1), (x + CARD_W, 1)):
            for cy, dy in ((y, -1), (y + CARD_H, 1)):
                canvas.line(cx + dx * MARK_GAP, cy, cx + dx * (MARK_GAP + MARK), cy)
                canvas.line(cx, cy + dy * MARK_GAP, cx, cy + dy * (MARK_GAP + MARK))


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def cards_sheets_pdf(
    faces: Iterable[CardFace],
    out: IO[bytes],
    *,
    on_sheet: Callable[[int], None] | None = None,
    processes: int = 1,
) -> int:
    """A4 sheets of eight cards with crop marks, each page of fronts followed by their backs;
    `on_sheet(cards so far)` after each sheet. The QR codes are encoded in a pool of
    `processes` processes when more than one. Returns the number of pages."""
    canvas = _canvas(out, A4, _("KDS cards"))
    fronts, backs = _slots(mirrored=False), _slots(mirrored=True)
    pages = done = 0
    with closing(_with_codes(faces, processes)) as coded:
        for sheet in _chunks(coded, PER_SHEET):
            for (face, code), (x, y) in zip(sheet, fronts, strict=False):
                _front(canvas, face, code, x, y)
            _crop_marks(canvas, fronts[: len(sheet)])
            canvas.showPage()
            for (face, _code), (x, y) in zip(sheet, backs, strict=False):
                _back(canvas, face, x, y)
            _crop_marks(canvas, backs[: len(sheet)])
            canvas.showPage()
            pages += 2
            done += len(sheet)
            if on_sheet is not None:
                on_sheet(done)
    if not pages:
        canvas.showPage()
        pages = 1
    canvas.save()
    return pages


def card_single_pdf(face: CardFace, out: IO[bytes]) -> int:
    """One card alone, front then back, on pages of the card's size (a replacement)."""
    canvas = _canvas(out, (CARD_W, CARD_H), card_number_display(face.number))
    _front(canvas, face, qr_code(face.url), 0, 0)
    canvas.showPage()
    _back(canvas, face, 0, 0)
    canvas.showPage()
    canvas.save()
    return 2
