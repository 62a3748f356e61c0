"""KDS cards: print `size` cards to one PDF of A4 sheets, then check `size` QR tokens.

Setup (not timed): `size` households (COPY, spread over the 63 kelurahan), each head
enrolled in KIS PBI-APBD, and a family card requested for each through the kelurahan
request service. Timed: `cards_print` (load the cards, sign each number, draw fronts,
backs, QR codes and crop marks, mark them printed; the QR codes are encoded in a pool of
KDS_CARD_PRINT_PROCESSES processes, `print_processes`): `seconds`, `pages`, `file_mb`,
`ms_per_card`. Then every card is handed over and `size` tokens are checked as the public
page checks them (signature, then the card's state): `verify_per_s`. On a shared machine
the wall clock measures the neighbours too: `cpu_ms_per_card` is the CPU time of this
process and of the processes that encoded the QR codes, `verify_cpu_ms` this process's, and
`signature_per_cpu_s` the Ed25519 check alone. The same-run reference, `reference_seconds`,
is fixed work that no change to the cards touches: the Luhn digits of REFERENCE_NUMBERS
numbers and the Ed25519 signatures of `size` tokens, on one core, wall clock, the mean of a
run before printing and one after. Scale a loaded run's `seconds` by the reference's ratio
to a quiet run's.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from benchmarks.harness import Context
from benchmarks.scenarios.enrol import PERSONS_PER_HOUSEHOLD, persons_make
from distribution.cards.models import Card
from distribution.cards.numbers import card_number_make
from distribution.cards.printing import cards_print
from distribution.cards.selectors import card_status_by_token
from distribution.cards.services import cards_request_kelurahan
from distribution.cards.signing import keyring, token_sign, token_verify
from programs.models import Enrolment, Programme
from programs.services import cycle_open
from registry.models import Household, Kelurahan, Person
from registry.services.common import HEAD

DEFAULT_SIZE = 10_000
SMOKE_SIZE = 200
REFERENCE_NUMBERS = 200_000


def _seed(ctx: Context) -> None:
    persons_make(ctx, ctx.size * PERSONS_PER_HOUSEHOLD)
    with connection.cursor() as cursor:  # persons_make writes each first member as head
        cursor.execute(
            f"UPDATE {Household._meta.db_table} hh SET head_id = p.id"  # noqa: S608
            f" FROM {Person._meta.db_table} p"
            " WHERE p.household_id = hh.id AND p.relationship = %s",
            [HEAD],
        )
    programme = Programme.objects.get(code="kis-pbi-apbd")
    cycle = cycle_open(actor=None, programme_id=programme.pk, year=2026, quota=ctx.size)
    heads = Household.objects.filter(head__isnull=False).values_list(
        "head_id", "pk", "kelurahan_id"
    )
    Enrolment.objects.bulk_create(
        (
            Enrolment(
                programme=programme,
                cycle=cycle,
                year=2026,
                person_id=head,
                household_id=household,
                kelurahan_code=kelurahan,
                source=Enrolment.Source.DEMO,
                amount=0,
                enrolled_on=date(2026, 1, 2),
            )
            for head, household, kelurahan in heads.iterator(chunk_size=5_000)
        ),
        batch_size=5_000,
    )
    codes = list(Kelurahan.objects.values_list("code", flat=True))
    for done, code in enumerate(codes, start=1):
        if Household.objects.filter(kelurahan_id=code).exists():
            cards_request_kelurahan(actor=None, kelurahan_code=code)
        ctx.progress(done, len(codes), "request cards")


def _reference_seconds(size: int) -> float:
    """Wall-clock seconds of fixed single-core work, for comparing runs under other load."""
    started = time.perf_counter()
    for owner in range(1, REFERENCE_NUMBERS + 1):
        card_number_make(kind="family", owner_id=owner, issue=1)
    signing = keyring().signing
    for owner in range(1, size + 1):
        signing.sign(card_number_make(kind="student", owner_id=owner, issue=1).encode())
    return time.perf_counter() - started


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (a print run's pool)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def run(ctx: Context) -> dict[str, Any]:
    _seed(ctx)
    reference_before = _reference_seconds(ctx.size)
    card_ids = list(Card.objects.order_by("kelurahan_code", "pk").values_list("pk", flat=True))
    with tempfile.TemporaryFile() as out:
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        printed, pages = cards_print(
            actor=None,
            card_ids=card_ids,
            out=out,
            on_sheet=lambda done: ctx.progress(done, len(card_ids), "print"),
        )
        out.flush()
        seconds = time.perf_counter() - started
        cpu_seconds = _cpu_seconds() - cpu_started
        size_mb = round(out.tell() / 1024 / 1024, 2)
    Card.objects.update(
        state=Card.State.HANDED_OVER, received_by="bench", handed_over_on=timezone.localdate()
    )  # not a use case under test: every card valid, so each check reads its holder
    tokens = [token_sign(number) for number in Card.objects.values_list("number", flat=True)]
    verify_started, verify_cpu = time.perf_counter(), time.process_time()
    valid = sum(card_status_by_token(token).answer == "valid" for token in tokens)
    verify_seconds = time.perf_counter() - verify_started
    verify_cpu = time.process_time() - verify_cpu
    signature_started = time.process_time()
    for token in tokens:
        token_verify(token)
    signature_seconds = time.process_time() - signature_started
    reference_seconds = (reference_before + _reference_seconds(ctx.size)) / 2
    if valid != len(tokens):
        raise RuntimeError(f"only {valid} of {len(tokens)} cards checked as valid")
    return {
        "seconds": round(seconds, 3),
        "cards": printed,
        "pages": pages,
        "file_mb": size_mb,
        "ms_per_card": round(seconds * 1000 / max(printed, 1), 3),
        "cpu_ms_per_card": round(cpu_seconds * 1000 / max(printed, 1), 3),
        "print_processes": settings.KDS_CARD_PRINT_PROCESSES,
        "verify_per_s": round(len(tokens) / verify_seconds, 1),
        "verify_cpu_ms": round(verify_cpu * 1000 / len(tokens), 3),
        "signature_per_cpu_s": round(len(tokens) / signature_seconds, 1),
        "reference_seconds": round(reference_seconds, 3),
        "ratio_to_reference": round(seconds / reference_seconds, 2),
    }
