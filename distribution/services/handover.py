"""Goods handed over (BAST), cash paid in person at the counter, and RTLH's LPJ."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import Actor, audit_record, recorded_user
from depok_kds.errors import Conflict, DomainError, Forbidden
from distribution.models import (
    REASON_HANDED_OVER,
    REASON_PAID_IN_PERSON,
    BatchState,
    Channel,
    Component,
    Document,
    Handover,
    Line,
    LineState,
    Lpj,
)
from distribution.services.access import kelurahan_check, perm_check, programme_check
from distribution.services.batches import line_events
from programs.models import Enrolment
from registry.models import Person
from verification.services.visits import evidence_file_write


def document_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "distribution"


def _document_store(*, actor: Actor, content: bytes, name: str, kind: str) -> Document:
    """Store a JPEG, PNG or PDF up to the size limit, checked as evidence files are."""
    stored = evidence_file_write(content=content, name=name, folder=document_dir())
    return Document.objects.create(kind=kind, **stored.fields(), uploaded_by=recorded_user(actor))


def _open_line(line_id: int, channel: str) -> Line:
    line = (
        Line.objects.select_for_update(of=("self",))
        .select_related("batch", "person", "enrolment")
        .get(pk=line_id)
    )
    if line.batch.channel != channel:
        raise DomainError(_("This line is not paid through this channel."), code="channel")
    if line.batch.state != BatchState.SENT or line.state != LineState.PENDING:
        raise Conflict(_("This line is not waiting to be handed over."), code="wrong_state")
    return line


def _receiver(nik: str) -> Person:
    receiver = Person.objects.filter(nik=nik.strip()).first()
    if receiver is None:
        raise DomainError(
            _("No resident has this NIK."),
            code="receiver_unknown",
            details={"field": "receiver_nik"},
        )
    return receiver


def _pay(line: Line, *, actor: Actor, on: date, reason: str) -> None:
    line_events([line], actor=actor, to=LineState.PAID, reason=reason)
    line.state = LineState.PAID
    line.settled_on = on
    line.save(update_fields=["state", "settled_on"])


@transaction.atomic
def handover_record(
    *,
    actor: Actor,
    line_id: int,
    receiver_nik: str,
    evidence: bytes,
    evidence_name: str,
    on: date | None = None,
) -> Handover:
    """Record a package handed over at the outlet. The receiver must be the beneficiary or
    a living member of the beneficiary's KK on that date, and the photo or signature is kept."""
    perm_check(actor, "distribution.record_handover")
    line = _open_line(line_id, Channel.IN_KIND)
    kelurahan_check(actor, line.kelurahan_code)
    officer = recorded_user(actor)
    if officer is None:
        raise Forbidden(_("A hand-over is recorded by the outlet's officer."))
    day = on or timezone.localdate()
    receiver = _receiver(receiver_nik)
    beneficiary = line.person
    same_kk = (
        beneficiary.household_id is not None
        and receiver.household_id == beneficiary.household_id
        and (receiver.moved_out_on is None or receiver.moved_out_on > day)
    )
    if receiver.pk != beneficiary.pk and not same_kk:
        raise DomainError(
            _("The receiver is neither the beneficiary nor a member of the same KK."),
            code="receiver_not_family",
            details={"field": "receiver_nik"},
        )
    if receiver.is_deceased:
        raise DomainError(
            _("The receiver is recorded as deceased."),
            code="receiver_deceased",
            details={"field": "receiver_nik"},
        )
    document = _document_store(
        actor=actor, content=evidence, name=evidence_name, kind=Document.Kind.HANDOVER
    )
    handover = Handover.objects.create(
        line=line,
        receiver=receiver,
        officer=officer,
        handed_over_on=day,
        evidence=document,
    )
    _pay(line, actor=actor, on=day, reason=REASON_HANDED_OVER)
    audit_record(
        actor=actor,
        action="distribution.handover_record",
        target=handover,
        after={"line": line.pk, "receiver": receiver.pk, "self": receiver.pk == beneficiary.pk},
    )
    return handover


@transaction.atomic
def in_person_pay(*, actor: Actor, line_id: int, receiver_nik: str, on: date | None = None) -> Line:
    """Pay a death benefit at the counter: to the heir in person, never to a proxy."""
    line = _open_line(line_id, Channel.IN_PERSON)
    programme_check(actor, line.batch.programme, "distribution.reconcile_batch")
    receiver = _receiver(receiver_nik)
    if receiver.pk != line.person_id:
        raise DomainError(
            _("Only the heir in person may receive this payment, never a proxy."),
            code="proxy",
            details={"field": "receiver_nik"},
        )
    day = on or timezone.localdate()
    _pay(line, actor=actor, on=day, reason=REASON_PAID_IN_PERSON)
    audit_record(actor=actor, action="distribution.in_person_pay", target=line)
    return line


@transaction.atomic
def lpj_upload(*, actor: Actor, enrolment_id: int, content: bytes, name: str) -> Lpj:
    """Store an RTLH house's accountability report; its case can then close."""
    enrolment = Enrolment.objects.select_related("programme__agency").get(pk=enrolment_id)
    programme_check(actor, enrolment.programme, "distribution.reconcile_batch")
    if not Line.objects.filter(
        enrolment=enrolment, component=Component.MATERIALS, state=LineState.PAID
    ).exists():
        raise Conflict(_("The materials have not been paid for this house yet."), code="unpaid")
    if Lpj.objects.filter(enrolment=enrolment).exists():
        raise Conflict(_("The LPJ of this house is already in."), code="duplicate")
    document = _document_store(actor=actor, content=content, name=name, kind=Document.Kind.LPJ)
    lpj = Lpj.objects.create(enrolment=enrolment, document=document)
    audit_record(actor=actor, action="distribution.lpj_upload", target=lpj)
    return lpj
