"""Print runs: a kelurahan's requested cards to a PDF of A4 sheets, as a job; one card alone.

The PDF holds names, so it is a personal-data export: logged, kept under MEDIA_ROOT/exports
for the person who asked only, and deleted with the other exports after
KDS_EXPORT_KEEP_HOURS (registry.retention). Printing marks the cards printed, dated today.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import Actor, pii_access_record
from depok_kds.errors import DomainError
from depok_kds.jobs import Progress, job_start
from depok_kds.models import Job
from distribution.cards.models import Card
from distribution.cards.pdf import CardFace, card_single_pdf, cards_sheets_pdf
from distribution.cards.selectors import card_get, holder_name
from distribution.cards.services import cards_printed, print_run_cards
from distribution.cards.signing import token_sign
from registry.export import exports_dir

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

PRINT_KIND = "cards.print"
CHUNK = 1_000
POOL_FROM = 500  # cards: for fewer, starting a pool of processes costs more than it saves


def verify_url_prefix() -> str:
    """The address a card's QR code points to, up to its token, in capitals: scheme and
    host are case-insensitive, the /K/ route and the token are written so (signing.py).
    Worked out once per print run: resolving the route costs more than signing."""
    public = urlsplit(settings.KDS_CARD_PUBLIC_URL)
    path = reverse("card-check", kwargs={"token": "-"}).removesuffix("-")
    return f"{public.scheme.upper()}://{public.netloc.upper()}{public.path.rstrip('/')}{path}"


def card_face(card: Card, *, on: date, url_prefix: str) -> CardFace:
    return CardFace(
        number=card.number,
        kind=card.kind,
        holder=holder_name(card),
        kelurahan=card.household.kelurahan.name,
        issued_on=card.printed_on or on,
        url=url_prefix + token_sign(card.number),
    )


def print_path(job: Job) -> Path:
    return exports_dir() / f"{job.params['file']}.pdf"


def print_run_start(*, actor: User, kelurahan_code: str) -> Job:
    """Start the job that prints the kelurahan's requested cards."""
    if not print_run_cards(actor=actor, kelurahan_code=kelurahan_code).exists():
        raise DomainError(_("There is no requested card to print in this kelurahan."), code="empty")
    return job_start(
        kind=PRINT_KIND,
        requested_by=actor,
        params={"kelurahan": kelurahan_code, "file": uuid.uuid4().hex},
    )


def _faces(card_ids: list[int], *, on: date) -> Iterator[CardFace]:
    url_prefix = verify_url_prefix()
    for start in range(0, len(card_ids), CHUNK):
        chunk = card_ids[start : start + CHUNK]
        cards = Card.objects.select_related(
            "household__head", "household__kelurahan", "student"
        ).in_bulk(chunk)
        for pk in chunk:
            yield card_face(cards[pk], on=on, url_prefix=url_prefix)


def cards_print(
    *, actor: Actor, card_ids: list[int], out: IO[bytes], on_sheet: Callable[[int], None] | None
) -> tuple[int, int]:
    """Write requested cards to A4 sheets in `out`, then mark them printed, dated today, and
    log the export. Returns (cards printed, pages)."""
    today = timezone.localdate()
    processes = settings.KDS_CARD_PRINT_PROCESSES if len(card_ids) >= POOL_FROM else 1
    faces = _faces(card_ids, on=today)
    pages = cards_sheets_pdf(faces, out, on_sheet=on_sheet, processes=processes)
    printed = cards_printed(actor=actor, card_ids=card_ids, on=today)
    pii_access_record(
        actor=actor, export=True, target_type="cards.card", fields=("name",), count=len(card_ids)
    )
    return printed, pages


def print_run(*, job: Job, progress: Progress) -> dict[str, Any]:
    """Write the requested cards of the job's kelurahan to PDF, then mark them printed. A
    re-run after a crash prints the same cards again: they are marked only at the end."""
    actor = job.requested_by
    if actor is None:
        raise DomainError(_("A print run needs the person who asked for it."))
    card_ids = list(
        print_run_cards(actor=actor, kelurahan_code=job.params["kelurahan"]).values_list(
            "pk", flat=True
        )
    )
    progress.set_total(len(card_ids))
    exports_dir().mkdir(parents=True, exist_ok=True)
    path = print_path(job)
    partial = path.with_suffix(".tmp")
    with partial.open("wb") as out:
        printed, pages = cards_print(
            actor=actor, card_ids=card_ids, out=out, on_sheet=progress.advance
        )
    partial.replace(path)
    return {"cards": printed, "pages": pages, "bytes": path.stat().st_size}


def print_run_file(*, user: User | AnonymousUser, job_id: int) -> tuple[Job, Path]:
    """A print run of the user's own, and its file; Http404 for anything else."""
    job = Job.objects.filter(kind=PRINT_KIND, pk=job_id).first()
    if job is None or not user.is_authenticated or job.requested_by_id != user.pk:
        raise Http404
    return job, print_path(job)


def card_pdf(*, actor: Actor, card_id: int) -> tuple[Card, bytes]:
    """One card alone (a replacement, or a single late card); a requested card becomes
    printed. Logged as an export."""
    card = card_get(user=actor, card_id=card_id)  # type: ignore[arg-type]
    if card.state == Card.State.REQUESTED:
        cards_printed(actor=actor, card_ids=[card.pk])
        card = card_get(user=actor, card_id=card_id)  # type: ignore[arg-type]
    elif card.state != Card.State.PRINTED:
        raise DomainError(
            _("Only a requested or printed card that is not yet handed over can be printed."),
            code="wrong_state",
        )
    out = io.BytesIO()
    face = card_face(card, on=timezone.localdate(), url_prefix=verify_url_prefix())
    card_single_pdf(face, out)
    pii_access_record(
        actor=actor, export=True, target_type="cards.card", target_ids=[card.pk], fields=("name",)
    )
    return card, out.getvalue()
