"""Batch (tahap) transitions: draft -> approved -> sent -> settled -> closed.

One service per transition: each locks the batch, checks the from-state (a Conflict
otherwise), writes a BatchEvent and an audit row. Approval is four-eyes: the preparer
cannot approve (checked here and by the batch_four_eyes constraint).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import Actor, audit_record, pii_access_record, recorded_user
from depok_kds.errors import Conflict, DomainError, Forbidden
from distribution.accounts import account_problem
from distribution.channels import adapter_for
from distribution.channels.bpjs_premium import (
    deactivation_file,
    quarter_activation_file,
    quarter_deactivation_file,
)
from distribution.models import (
    DEAD_LINE_STATES,
    REASON_GONE_BEFORE_SENDING,
    REASON_UNCLAIMED,
    Batch,
    BatchEvent,
    BatchState,
    Channel,
    ChannelConfig,
    Line,
    LineEvent,
    LineState,
    Lpj,
    Payee,
)
from distribution.services.access import programme_check
from programs.models import Cycle, Enrolment, Programme

B = BatchState


def _lock(batch_id: int) -> Batch:
    return (
        Batch.objects.select_for_update(of=("self",))
        .select_related("programme__agency", "cycle")
        .get(pk=batch_id)
    )


def _from_state(batch: Batch, *allowed: str) -> str:
    if batch.state not in allowed:
        raise Conflict(
            _("This batch is %(state)s; it cannot do this now.")
            % {"state": batch.get_state_display()},
            code="wrong_state",
        )
    return batch.state


def _move(batch: Batch, *, actor: Actor, to: str, note: str = "", **fields: object) -> None:
    before = batch.state
    batch.state = to
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.save(update_fields=["state", "updated_at", *fields])
    BatchEvent.objects.create(
        batch=batch, actor=recorded_user(actor), from_state=before, to_state=to, note=note
    )
    audit_record(
        actor=actor,
        action=f"distribution.batch_{to}",
        target=batch,
        before={"state": before},
        after={"state": to, **({"note": note} if note else {})},
    )


def line_events(
    lines: list[Line], *, actor: Actor, to: str, reason: str = "", **extra: object
) -> None:
    LineEvent.objects.bulk_create(
        LineEvent(
            line_id=line.pk,
            actor=recorded_user(actor),
            from_state=line.state,
            to_state=to,
            reason=reason[:200],
            **extra,
        )
        for line in lines
    )


@transaction.atomic
def batch_create(
    *,
    actor: Actor,
    cycle_id: int,
    tahap: int,
    period_start: date,
    period_end: date,
    planned_on: date,
) -> Batch:
    """Open a draft batch for one tahap of a cycle, through the programme's channel."""
    cycle = Cycle.objects.select_related("programme__agency").get(pk=cycle_id)
    programme_check(actor, cycle.programme, "distribution.prepare_batch")
    adapter = adapter_for(cycle.programme_id)
    if period_end < period_start:
        raise DomainError(
            _("The period ends before it starts."),
            code="period",
            details={"field": "period_end"},
        )
    if tahap < 1:
        raise DomainError(
            _("The tahap must be at least 1."), code="tahap", details={"field": "tahap"}
        )
    if Batch.objects.filter(cycle=cycle, tahap=tahap).exists():
        raise Conflict(
            _("This tahap already has a batch."),
            code="duplicate_batch",
            details={"field": "tahap"},
        )
    batch = Batch.objects.create(
        programme=cycle.programme,
        cycle=cycle,
        tahap=tahap,
        channel=adapter.channel,
        period_start=period_start,
        period_end=period_end,
        planned_on=planned_on,
        prepared_by=recorded_user(actor),
    )
    BatchEvent.objects.create(batch=batch, actor=recorded_user(actor), to_state=B.DRAFT)
    audit_record(
        actor=actor,
        action="distribution.batch_create",
        target=batch,
        after={"cycle": cycle.pk, "tahap": tahap, "channel": adapter.channel},
    )
    return batch


@transaction.atomic
def batch_approve(*, actor: Actor, batch_id: int) -> Batch:
    """Approve a built draft: never by the person who prepared it (four eyes)."""
    batch = _lock(batch_id)
    programme_check(actor, batch.programme, "distribution.approve_batch")
    _from_state(batch, B.DRAFT)
    user = recorded_user(actor)
    if user is not None and user.pk == batch.prepared_by_id:
        raise Forbidden(
            _("You prepared this batch: another person must approve it."), code="four_eyes"
        )
    if batch.built_at is None:
        raise Conflict(_("Build the batch before approving it."), code="not_built")
    if not batch.lines.filter(state=LineState.PENDING).exists():
        raise Conflict(_("The batch has no line to pay."), code="empty")
    _move(batch, actor=actor, to=B.APPROVED, approved_by=user, approved_at=timezone.now())
    return batch


@transaction.atomic
def batch_send(*, actor: Actor, batch_id: int) -> Batch:
    """Send an approved batch. Exits and deaths are checked again first, since one may land
    between building and sending: those lines are cancelled, never sent."""
    batch = _lock(batch_id)
    programme_check(actor, batch.programme, "distribution.prepare_batch")
    _from_state(batch, B.APPROVED)
    gone = list(
        Line.objects.select_for_update()
        .filter(batch=batch, state=LineState.PENDING)
        .filter(Q(enrolment__status=Enrolment.Status.EXITED) | Q(person__is_deceased=True))
    )
    reason = REASON_GONE_BEFORE_SENDING
    line_events(gone, actor=actor, to=LineState.CANCELLED, reason=reason)
    Line.objects.filter(pk__in=[line.pk for line in gone]).update(
        state=LineState.CANCELLED, reason=reason
    )
    _move(batch, actor=actor, to=B.SENT, note=f"{len(gone)} cancelled" if gone else "")
    return batch


@transaction.atomic
def batch_settle(*, actor: Actor, batch_id: int, on: date | None = None) -> Batch:
    """Settle a sent batch once no line is pending. For goods, the packages still unclaimed
    after the period end are recorded as returned."""
    batch = _lock(batch_id)
    programme_check(actor, batch.programme, "distribution.reconcile_batch")
    _from_state(batch, B.SENT)
    today = on or timezone.localdate()
    pending = Line.objects.select_for_update().filter(batch=batch, state=LineState.PENDING)
    if batch.channel == Channel.IN_KIND and today > batch.period_end:
        unclaimed = list(pending)
        line_events(unclaimed, actor=actor, to=LineState.RETURNED, reason=REASON_UNCLAIMED)
        pending.update(state=LineState.RETURNED, reason=REASON_UNCLAIMED, settled_on=today)
    elif pending.exists():
        raise Conflict(
            _("%(count)s lines are still pending.") % {"count": pending.count()}, code="pending"
        )
    _move(batch, actor=actor, to=B.SETTLED)
    return batch


@transaction.atomic
def batch_close(*, actor: Actor, batch_id: int) -> Batch:
    """Close a settled batch. An RTLH case closes only with its LPJ uploaded."""
    batch = _lock(batch_id)
    programme_check(actor, batch.programme, "distribution.reconcile_batch")
    _from_state(batch, B.SETTLED)
    if batch.channel == Channel.PARTNER_SHOP:
        paid = batch.lines.filter(state=LineState.PAID).values("enrolment_id")
        missing = (
            paid.exclude(enrolment_id__in=Lpj.objects.values("enrolment_id")).distinct().count()
        )
        if missing:
            raise Conflict(
                _("%(count)s houses have no accountability report (LPJ) yet.") % {"count": missing},
                code="lpj_missing",
            )
    _move(batch, actor=actor, to=B.CLOSED)
    return batch


def batch_export(*, actor: Actor, batch_id: int) -> tuple[str, bytes]:
    """The channel's file of an approved (or later) batch; every download is logged."""
    batch = Batch.objects.select_related("programme__agency").get(pk=batch_id)
    programme_check(actor, batch.programme, "distribution.prepare_batch")
    if batch.state == B.DRAFT:
        raise Conflict(_("Approve the batch before its file is written."), code="wrong_state")
    lines = batch.lines.exclude(state=LineState.CANCELLED).order_by("pk")
    count = lines.count()
    exported = adapter_for(batch.programme_id).export(batch, lines)
    if exported is None:
        raise DomainError(_("This channel has no file."), code="no_file")
    name, content = exported
    audit_record(
        actor=actor,
        action="distribution.batch_export",
        target=batch,
        after={"file": name, "lines": count, "bytes": len(content)},
    )
    if batch.channel == Channel.BPJS_PREMIUM:
        # The member list carries full NIKs, as BPJS needs them.
        pii_access_record(actor=actor, export=True, target_type="distribution.batch", count=count)
    return name, content


def batch_deactivations(*, actor: Actor, batch_id: int) -> tuple[str, bytes]:
    """The BPJS deactivation list of a premium batch (members who left); logged as an export."""
    batch = Batch.objects.select_related("programme__agency").get(pk=batch_id)
    programme_check(actor, batch.programme, "distribution.prepare_batch")
    if batch.channel != Channel.BPJS_PREMIUM:
        raise DomainError(_("This channel has no file."), code="no_file")
    name, content = deactivation_file(batch)
    audit_record(
        actor=actor, action="distribution.batch_export", target=batch, after={"file": name}
    )
    pii_access_record(actor=actor, export=True, target_type="distribution.batch", count=0)
    return name, content


def bpjs_quarter_list(
    *, actor: Actor, programme_id: int, period: str, which: str
) -> tuple[str, bytes]:
    """A DTSEN quarter's BPJS deactivation or activation list of a premium programme (full
    NIKs, as BPJS needs them); logged as an export."""
    programme = Programme.objects.select_related("agency").get(pk=programme_id)
    programme_check(actor, programme, "distribution.prepare_batch")
    if not ChannelConfig.objects.filter(programme=programme, channel=Channel.BPJS_PREMIUM).exists():
        raise DomainError(_("This programme is not paid to BPJS."), code="no_file")
    files = {"deactivations": quarter_deactivation_file, "activations": quarter_activation_file}
    if which not in files:
        raise DomainError(_("This channel has no file."), code="no_file")
    name, content = files[which](programme.pk, period)
    audit_record(
        actor=actor,
        action="distribution.bpjs_quarter_list",
        target=programme,
        after={"file": name, "period": period},
    )
    pii_access_record(
        actor=actor, export=True, target_type="programs.programme", target_ids=[programme.pk]
    )
    return name, content


@transaction.atomic
def line_cancel(*, actor: Actor, line_id: int, reason: str) -> Line:
    """Take a pending line out of a batch not yet sent."""
    line = Line.objects.select_for_update().get(pk=line_id)
    batch = _lock(line.batch_id)
    programme_check(actor, batch.programme, "distribution.prepare_batch")
    _from_state(batch, B.DRAFT, B.APPROVED)
    if line.state != LineState.PENDING:
        raise Conflict(_("Only a pending line can be cancelled."), code="wrong_state")
    if not reason.strip():
        raise DomainError(_("Say why the line is cancelled."), code="reason")
    line_events([line], actor=actor, to=LineState.CANCELLED, reason=reason)
    line.state = LineState.CANCELLED
    line.reason = reason[:200]
    line.save(update_fields=["state", "reason"])
    audit_record(
        actor=actor, action="distribution.line_cancel", target=line, after={"reason": reason}
    )
    return line


@transaction.atomic
def line_reissue(*, actor: Actor, line_id: int, batch_id: int) -> Line:
    """Re-issue a failed or returned line in a later draft batch of the same programme,
    to the payee's account as it is now (corrected). The old line stays as history; the
    database refuses a second live line for the same enrolment and period."""
    old = (
        Line.objects.select_for_update()
        .select_related("batch", "enrolment", "person")
        .get(pk=line_id)
    )
    batch = _lock(batch_id)
    programme_check(actor, batch.programme, "distribution.prepare_batch")
    _from_state(batch, B.DRAFT)
    if old.state not in (LineState.FAILED, LineState.RETURNED):
        raise Conflict(_("Only a failed or returned line can be re-issued."), code="wrong_state")
    if Line.objects.filter(reissue_of=old).exists():
        raise Conflict(_("This line was already re-issued."), code="reissued")
    later = (
        (batch.cycle.year, batch.tahap) > (old.batch.cycle.year, old.batch.tahap)
        if (batch.programme_id == old.batch.programme_id)
        else False
    )
    if not later:
        raise DomainError(
            _("A line is re-issued in a later tahap of the same programme."), code="not_later"
        )
    if old.enrolment.status != Enrolment.Status.ACTIVE or old.person.is_deceased:
        raise DomainError(_("The beneficiary has exited or died."), code="exited")
    payee = old.payee
    if payee is not None:
        payee = (
            Payee.objects.filter(kind=payee.kind, person_id=payee.person_id, is_active=True).first()
            if payee.person_id
            else Payee.objects.filter(kind=payee.kind, name=payee.name, is_active=True).first()
        )
        problem = account_problem(payee.account_number) if payee else "no payee"
        if problem:
            raise DomainError(_("Correct the payee's account before re-issuing."), code="payee")
    line = Line(
        batch=batch,
        enrolment_id=old.enrolment_id,
        person_id=old.person_id,
        household_id=old.household_id,
        kelurahan_code=old.kelurahan_code,
        component=old.component,
        period=old.period,
        amount=old.amount,
        payee=payee,
        outlet_id=old.outlet_id,
        account_number=payee.account_number if payee else "",
        account_name=payee.account_name if payee else "",
        reference=f"KDS{batch.pk:06d}R{old.pk:08d}"[:24],
        reissue_of=old,
    )
    try:
        with transaction.atomic():
            line.save()
    except IntegrityError as exc:
        raise Conflict(
            _("This enrolment already has a live line for this period."), code="already_paid"
        ) from exc
    audit_record(actor=actor, action="distribution.line_reissue", target=line, after={"of": old.pk})
    return line


# The states a batch's lines may end in, for the totals.
FINAL_LINE_STATES = [LineState.PAID, *DEAD_LINE_STATES]
