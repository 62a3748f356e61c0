"""Batches: creation, building with its refusals, four-eyes approval, sending, the
constraint that nothing is paid twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateRange

from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.models import AuditEntry, User
from distribution.models import Batch, BatchEvent, Line, Payee
from distribution.services import (
    batch_approve,
    batch_close,
    batch_send,
    batch_settle,
    line_cancel,
)
from programs.models import Cycle, Enrolment
from programs.services import enrolment_exit
from tests.distribution.factories import beneficiary, build, new_batch, person

SMA = "pendidikan-sma"
KIS = "kis-pbi-apbd"


def refusals(batch: Batch) -> dict[int, str]:
    return dict(batch.refusals.values_list("enrolment_id", "reason"))


def test_build_makes_one_line_per_active_enrolment_with_a_unique_reference(
    dinsos_operator: User,
) -> None:
    enrolments = [beneficiary() for _ in range(3)]
    batch = build(new_batch(SMA, actor=dinsos_operator), actor=dinsos_operator)
    lines = list(batch.lines.all())
    assert sorted(line.enrolment_id for line in lines) == sorted(e.pk for e in enrolments)
    assert len({line.reference for line in lines}) == 3
    assert all(line.amount == Decimal(2_000_000) and line.account_number for line in lines)
    assert batch.build_job is not None and batch.build_job.status == "succeeded"


def test_build_refuses_exited_and_deceased(dinsos_operator: User) -> None:
    exited, dead, fine = beneficiary(), beneficiary(), beneficiary()
    Enrolment.objects.filter(pk=exited.pk).update(
        status="exited", exit_reason="moved_away", exited_on=date(2026, 1, 5)
    )
    person(dead).__class__.objects.filter(pk=dead.person_id).update(
        is_deceased=True, death_date=date(2026, 1, 2)
    )
    batch = build(new_batch(SMA, actor=dinsos_operator))
    assert refusals(batch) == {exited.pk: "exited", dead.pk: "exited"}
    assert list(batch.lines.values_list("enrolment_id", flat=True)) == [fine.pk]


def test_build_refuses_a_line_already_paid_for_the_period(dinsos_operator: User) -> None:
    """A yearly benefit is paid once per cycle year, whichever tahap pays it."""
    enrolment = beneficiary()
    build(new_batch(SMA, actor=dinsos_operator, tahap=1))
    second = build(new_batch(SMA, actor=dinsos_operator, tahap=2, start=date(2026, 4, 1),
                             end=date(2026, 6, 30)))  # fmt: skip
    assert refusals(second) == {enrolment.pk: "already_paid"}


def test_a_monthly_premium_is_due_again_next_month_only(dinkes_officer: User) -> None:
    enrolment = beneficiary(KIS)
    january = dict(start=date(2026, 1, 1), end=date(2026, 1, 31))
    build(new_batch(KIS, actor=dinkes_officer, tahap=1, **january))
    again = build(new_batch(KIS, actor=dinkes_officer, tahap=2, **january))
    assert refusals(again) == {enrolment.pk: "already_paid"}
    february = build(new_batch(KIS, actor=dinkes_officer, tahap=3, start=date(2026, 2, 1),
                               end=date(2026, 2, 28)))  # fmt: skip
    assert february.lines.count() == 1


def test_database_refuses_a_second_live_line_for_one_enrolment_and_period(
    dinsos_operator: User,
) -> None:
    beneficiary()
    batch = build(new_batch(SMA, actor=dinsos_operator))
    line = batch.lines.get()
    other = new_batch(SMA, actor=dinsos_operator, tahap=2)
    twin = Line(
        batch=other,
        enrolment_id=line.enrolment_id,
        person_id=line.person_id,
        component=line.component,
        period=DateRange(date(2026, 12, 1), date(2026, 12, 31), "[]"),
        amount=line.amount,
        reference="TWIN",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    # A failed line no longer holds the period: its re-issue may.
    Line.objects.filter(pk=line.pk).update(state="failed")
    twin.save()


def test_build_refuses_an_amount_outside_the_programmes_range(dinsos_operator: User) -> None:
    enrolment = beneficiary()
    Enrolment.objects.filter(pk=enrolment.pk).update(amount=Decimal(5_000_000))
    batch = build(new_batch(SMA, actor=dinsos_operator))
    assert refusals(batch) == {enrolment.pk: "amount"}


def test_build_stops_at_the_cycles_budget(dinsos_operator: User) -> None:
    first, second = beneficiary(), beneficiary()
    Cycle.objects.filter(pk=first.cycle_id).update(budget=Decimal(3_000_000))
    batch = build(new_batch(SMA, actor=dinsos_operator))
    assert batch.lines.count() == 1
    assert list(refusals(batch).values()) == ["budget"]
    assert set(refusals(batch)) | set(batch.lines.values_list("enrolment_id", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_a_cycle_with_no_budget_pays_nothing(dinsos_operator: User) -> None:
    enrolment = beneficiary()
    Cycle.objects.filter(pk=enrolment.cycle_id).update(budget=0)
    batch = build(new_batch(SMA, actor=dinsos_operator))
    assert refusals(batch) == {enrolment.pk: "budget"}


def test_build_refuses_a_missing_or_malformed_account(dinsos_operator: User) -> None:
    missing = beneficiary(with_account=False)
    malformed = beneficiary(with_account=False)
    Payee.objects.create(
        kind="person", person_id=malformed.person_id, name="x", account_number="12-AB"
    )
    batch = build(new_batch(SMA, actor=dinsos_operator))
    assert refusals(batch) == {missing.pk: "payee", malformed.pk: "payee"}
    details = set(batch.refusals.values_list("detail", flat=True))
    assert details == {"The payee has no account number.", "The account number is malformed."}


def test_a_programme_without_a_channel_cannot_be_paid(dinsos_operator: User) -> None:
    beneficiary("pelatihan-keterampilan")
    with pytest.raises(DomainError) as refused:
        new_batch("pelatihan-keterampilan", actor=dinsos_operator)
    assert refused.value.code == "no_channel"


def test_the_preparer_cannot_approve(dinsos_admin: User, second_admin: User) -> None:
    beneficiary()
    batch = build(new_batch(SMA, actor=dinsos_admin), actor=dinsos_admin)
    with pytest.raises(Forbidden) as refused:
        batch_approve(actor=dinsos_admin, batch_id=batch.pk)
    assert refused.value.code == "four_eyes"
    batch_approve(actor=second_admin, batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.state, batch.approved_by) == ("approved", second_admin)
    assert list(batch.events.values_list("to_state", flat=True)) == ["draft", "approved"]
    assert AuditEntry.objects.filter(action="distribution.batch_approved").count() == 1


def test_the_database_holds_four_eyes(dinsos_admin: User) -> None:
    beneficiary()
    batch = new_batch(SMA, actor=dinsos_admin)
    with pytest.raises(IntegrityError):
        Batch.objects.filter(pk=batch.pk).update(approved_by=dinsos_admin)


def test_operators_and_agency_officers_may_not_approve(
    dinsos_operator: User, dinsos_admin: User
) -> None:
    beneficiary()
    batch = build(new_batch(SMA, actor=dinsos_admin))
    with pytest.raises(Forbidden):
        batch_approve(actor=dinsos_operator, batch_id=batch.pk)


def test_agency_officers_prepare_only_their_own_programmes(
    dinkes_officer: User, disrumkim_officer: User, puskesos_a: User, leader: User
) -> None:
    beneficiary("kis-pbi-apbd")
    assert new_batch("kis-pbi-apbd", actor=dinkes_officer).prepared_by == dinkes_officer
    for outsider in (disrumkim_officer, puskesos_a, leader):
        with pytest.raises(Forbidden):
            new_batch("kis-pbi-apbd", actor=outsider, tahap=2)


def test_approve_needs_a_built_batch_and_a_draft(dinsos_admin: User, second_admin: User) -> None:
    beneficiary()
    batch = new_batch(SMA, actor=dinsos_admin)
    with pytest.raises(Conflict):
        batch_approve(actor=second_admin, batch_id=batch.pk)
    build(batch)
    batch_approve(actor=second_admin, batch_id=batch.pk)
    with pytest.raises(Conflict):
        batch_approve(actor=second_admin, batch_id=batch.pk)


def test_send_cancels_lines_of_those_who_died_or_exited_since_the_build(
    dinsos_admin: User, second_admin: User
) -> None:
    dies, exits, stays = beneficiary(), beneficiary(), beneficiary()
    batch = build(new_batch(SMA, actor=dinsos_admin))
    batch_approve(actor=second_admin, batch_id=batch.pk)
    person(dies).__class__.objects.filter(pk=dies.person_id).update(
        is_deceased=True, death_date=date(2026, 3, 1)
    )
    enrolment_exit(actor=None, enrolment_id=exits.pk, reason="moved_away")
    batch_send(actor=dinsos_admin, batch_id=batch.pk)
    states = dict(batch.lines.values_list("enrolment_id", "state"))
    assert states == {dies.pk: "cancelled", exits.pk: "cancelled", stays.pk: "pending"}
    assert BatchEvent.objects.filter(batch=batch, to_state="sent").exists()


def test_settle_waits_for_every_line_and_close_follows(
    dinsos_admin: User, second_admin: User
) -> None:
    beneficiary()
    batch = build(new_batch(SMA, actor=dinsos_admin))
    batch_approve(actor=second_admin, batch_id=batch.pk)
    batch_send(actor=dinsos_admin, batch_id=batch.pk)
    with pytest.raises(Conflict):
        batch_settle(actor=dinsos_admin, batch_id=batch.pk)
    batch.lines.update(state="paid")
    batch_settle(actor=dinsos_admin, batch_id=batch.pk)
    batch_close(actor=dinsos_admin, batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.state == "closed"


def test_a_pending_line_can_be_cancelled_before_sending_only(
    dinsos_admin: User, second_admin: User
) -> None:
    beneficiary(), beneficiary()
    batch = build(new_batch(SMA, actor=dinsos_admin))
    first, second = batch.lines.all()
    line_cancel(actor=dinsos_admin, line_id=first.pk, reason="Duplicate proposal")
    batch_approve(actor=second_admin, batch_id=batch.pk)
    batch_send(actor=dinsos_admin, batch_id=batch.pk)
    with pytest.raises(Conflict):
        line_cancel(actor=dinsos_admin, line_id=second.pk, reason="late")
    assert first.events.get().to_state == "cancelled"
