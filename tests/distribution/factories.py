"""Helpers for distribution tests: enrolled beneficiaries with accounts, built batches."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from depok_kds.jobs import job_run
from depok_kds.models import User
from distribution.models import Batch, Payee
from distribution.services import (
    batch_approve,
    batch_build_start,
    batch_create,
    batch_send,
    payee_save,
)
from distribution.tasks import batch_build_job
from programs.models import Application, Cycle, Enrolment
from registry.models import Person
from tests.overlap.factories import enrol
from tests.programs.factories import applicant

YEAR = 2026
_accounts = itertools.count(1)


def account() -> str:
    return f"0012{next(_accounts):09d}"


def beneficiary(code: str = "pendidikan-sma", *, with_account: bool = True, **kw: Any) -> Enrolment:
    person = applicant(**kw)
    enrolment = enrol(person, code)
    Cycle.objects.filter(pk=enrolment.cycle_id).update(budget=Decimal(10**12))
    if with_account:
        payee_save(
            actor=None,
            kind=Payee.Kind.PERSON,
            person_id=person.pk,
            name=person.full_name,
            account_number=account(),
        )
    return enrolment


def cycle_of(code: str) -> Cycle:
    return Cycle.objects.get(programme__code=code, year=YEAR, tahap=0)


def new_batch(
    code: str,
    *,
    actor: User | None = None,
    tahap: int = 1,
    start: date = date(YEAR, 1, 1),
    end: date = date(YEAR, 3, 31),
) -> Batch:
    return batch_create(
        actor=actor,
        cycle_id=cycle_of(code).pk,
        tahap=tahap,
        period_start=start,
        period_end=end,
        planned_on=end,
    )


def build(batch: Batch, *, actor: User | None = None) -> Batch:
    """Build through the job, as the portal does (run here in the test's process)."""
    job = batch_build_start(actor=actor, batch_id=batch.pk)
    finished = job_run(job_id=job.pk, handler=batch_build_job)
    assert finished is not None and finished.status == "succeeded", (
        finished and finished.error_message
    )
    batch.refresh_from_db()
    return batch


def sent(batch: Batch, *, preparer: User | None, approver: User) -> Batch:
    build(batch, actor=preparer)
    batch_approve(actor=approver, batch_id=batch.pk)
    return batch_send(actor=preparer, batch_id=batch.pk)


def person(enrolment: Enrolment) -> Person:
    return Person.objects.get(pk=enrolment.person_id)


def with_application(enrolment: Enrolment) -> Application:
    """Give a planted enrolment the application its programme detail hangs on."""
    application = Application.objects.create(
        programme_id=enrolment.programme_id,
        cycle_id=enrolment.cycle_id,
        person_id=enrolment.person_id,
        household_id=enrolment.household_id,
        kelurahan_code=enrolment.kelurahan_code,
        channel=Application.Channel.AGENCY,
        state=Application.State.ENROLLED,
        amount=enrolment.amount,
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(application=application)
    enrolment.application = application
    return application


def return_csv(rows: list[tuple[str, int, str, str]], *, header: bool = True) -> bytes:
    lines = ["reference;amount;status;reason"] if header else []
    lines += [f"{ref};{amount};{status};{reason}" for ref, amount, status, reason in rows]
    return ("\r\n".join(lines) + "\r\n").encode()
