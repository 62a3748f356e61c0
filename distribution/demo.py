"""Demo distribution data for `make run`: a few settled batches so the pages are not empty.

Runs after the programmes' demo (INSTALLED_APPS order) on its 2023 enrolments, through the
services: accounts for most SMA students (a few missing, to show refusals), 19 gerai
pangan serving the kelurahan, a bank-transfer batch for SMA/MA settled by a return file
with two failures, and a food-aid batch with some hand-overs and the rest returned
unclaimed. Running it twice adds nothing.
"""

from __future__ import annotations

from datetime import date

from depok_kds.models import User
from distribution.models import Batch, Payee
from distribution.services import (
    batch_approve,
    batch_build,
    batch_create,
    batch_send,
    batch_settle,
    handover_record,
    outlet_save,
    payee_save,
    return_file_apply,
    return_file_upload,
)
from programs.models import Cycle, Enrolment
from registry.models import Kelurahan, Person

YEAR = 2023
OUTLETS = 19
# A one-pixel PNG standing in for the receiver's signature photo.
SIGNATURE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def _users() -> tuple[User, User] | None:
    preparer = User.objects.filter(username="operator").first()
    approver = User.objects.filter(username="admin").first()
    return (preparer, approver) if preparer and approver else None


def _cycle(code: str) -> Cycle | None:
    return Cycle.objects.filter(programme__code=code, year=YEAR).order_by("tahap").first()


def _bank_batch(preparer: User, approver: User) -> str:
    cycle = _cycle("pendidikan-sma")
    if cycle is None or Batch.objects.filter(cycle=cycle).exists():
        return "sma: skipped"
    enrolments = list(
        Enrolment.objects.filter(cycle=cycle).select_related("person").order_by("pk")[:300]
    )
    for n, enrolment in enumerate(enrolments):
        if n % 25 == 24:
            continue  # no account yet: refused, listed
        payee_save(
            actor=preparer,
            kind=Payee.Kind.PERSON,
            person_id=enrolment.person_id,
            name=enrolment.person.full_name,
            account_number=f"0021{enrolment.person_id:09d}"[-13:],
        )
    batch = batch_create(
        actor=preparer,
        cycle_id=cycle.pk,
        tahap=1,
        period_start=date(YEAR, 1, 1),
        period_end=date(YEAR, 12, 31),
        planned_on=date(YEAR, 4, 17),
    )
    if not batch_build(batch_id=batch.pk)["lines"]:
        return "sma: no line to pay"
    batch_approve(actor=approver, batch_id=batch.pk)
    batch_send(actor=preparer, batch_id=batch.pk)
    rows = ["reference;amount;status;reason"]
    for n, (reference, amount) in enumerate(batch.lines.values_list("reference", "amount")):
        status, reason = ("GAGAL", "Rekening tidak aktif") if n in (3, 11) else ("00", "")
        rows.append(f"{reference};{int(amount)};{status};{reason}")
    upload = return_file_upload(
        actor=preparer,
        batch_id=batch.pk,
        file_name="retur-bjb-tahap1.csv",
        content=("\r\n".join(rows) + "\r\n").encode(),
    )
    return_file_apply(actor=preparer, return_file_id=upload.pk)
    return f"sma: {batch.lines.count()} lines, settled"


def _food_batch(preparer: User, approver: User) -> str:
    cycle = _cycle("bantuan-pangan-kota")
    if cycle is None or Batch.objects.filter(cycle=cycle).exists():
        return "food: skipped"
    codes = list(Kelurahan.objects.order_by("code").values_list("code", flat=True))
    for n in range(OUTLETS):
        outlet_save(
            actor=preparer,
            code=f"GP{n + 1:02d}",
            name=f"Gerai Pangan {n + 1}",
            kelurahan_codes=codes[n::OUTLETS],
        )
    batch = batch_create(
        actor=preparer,
        cycle_id=cycle.pk,
        tahap=1,
        period_start=date(YEAR, 1, 1),
        period_end=date(YEAR, 3, 31),
        planned_on=date(YEAR, 4, 10),
    )
    if not batch_build(batch_id=batch.pk)["lines"]:
        return "food: no line to pay"
    batch_approve(actor=approver, batch_id=batch.pk)
    batch_send(actor=preparer, batch_id=batch.pk)
    for n, line in enumerate(batch.lines.select_related("person")[:200]):
        if n % 5 == 4 or not line.person.nik:
            continue  # not collected: returned at the period end
        receiver = line.person
        if n % 3 == 0 and line.person.household_id is not None:
            receiver = (
                Person.objects.filter(household_id=line.person.household_id, nik__isnull=False)
                .exclude(pk=line.person_id)
                .filter(is_deceased=False)
                .first()
                or receiver
            )
        handover_record(
            actor=approver,
            line_id=line.pk,
            receiver_nik=receiver.nik or "",
            evidence=SIGNATURE,
            evidence_name="tanda-tangan.png",
            on=date(YEAR, 3, 20),
        )
    batch_settle(actor=preparer, batch_id=batch.pk, on=date(YEAR, 4, 1))
    return f"food: {batch.lines.count()} lines, settled"


def seed(*, households: int) -> str:
    users = _users()
    if users is None:
        return "distribution: no demo accounts"
    return "distribution: " + "; ".join([_bank_batch(*users), _food_batch(*users)])
