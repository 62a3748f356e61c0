"""Complaints (pengaduan) and appeals (sanggahan): receipt with a tracking number, SLA,
assignment, answer, closure, escalation, and an appeal reopening an application.

States: received -> in_progress -> answered -> closed; received / in_progress ->
escalated (overdue, or by hand) -> in_progress again once someone takes it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from depok_kds.access import get_in_scope
from depok_kds.audit import audit_record, recorded_user
from depok_kds.errors import Conflict, DomainError
from depok_kds.models import User
from programs.kinds import kind_for
from programs.models import Application, ApplicationState
from programs.services import application_submit
from programs.transition.services import exit_proposals_withdraw
from registry.models import Household, Person
from registry.services.common import Actor
from verification.models import COMPLAINT_OPEN_STATUSES, Complaint, ComplaintEvent, FieldVisit
from verification.selectors import assignable_officers
from verification.services.access import kelurahan_check, perm_check
from verification.services.visits import visit_create

# No 0/O, 1/I/L: a number read out over the phone is not mistaken.
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TRACKING_LENGTH = 10
OPEN_STATUSES = COMPLAINT_OPEN_STATUSES
DEFAULT_SLA_DAYS = {"exclusion": 14, "inclusion": 14, "data_error": 7, "service": 5}
C = Complaint.Status
M = TypeVar("M", bound=Model)


def tracking_number_new() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def sla_days(category: str) -> int:
    table = getattr(settings, "KDS_COMPLAINT_SLA_DAYS", DEFAULT_SLA_DAYS)
    return int(table.get(category, DEFAULT_SLA_DAYS.get(category, 14)))


def _event(complaint: Complaint, *, actor: Actor, before: str, note: str = "") -> None:
    ComplaintEvent.objects.create(
        complaint=complaint,
        from_status=before,
        to_status=complaint.status,
        note=note,
        actor=recorded_user(actor),
    )
    audit_record(
        actor=actor,
        action=f"verification.complaint_{complaint.status}",
        target=complaint,
        before={"status": before},
        after={"status": complaint.status, "note": note},
    )


def _lock(complaint_id: int) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).get(pk=complaint_id)


def _may_handle(actor: Actor, complaint: Complaint) -> None:
    perm_check(actor, "verification.change_complaint")
    kelurahan_check(actor, complaint.kelurahan_code)


def _concerned(
    actor: Actor,
    *,
    household_id: int | None,
    person_id: int | None,
    application_id: int | None,
) -> tuple[Household | None, Person | None, Application | None]:
    """The household, person and application a complaint names, each in the actor's area
    (a row outside it gets the answer of a missing one) and all of one household."""

    def known(queryset: QuerySet[M], field: str, pk: int | None, message: Any) -> M | None:
        if pk is None:
            return None
        try:
            if actor is None:
                return queryset.get(pk=pk)
            return get_in_scope(queryset, user=actor, kelurahan_field=field, pk=pk)
        except (Http404, ObjectDoesNotExist):
            raise DomainError(message, code="unknown_case") from None

    application = known(
        Application.objects.all(),
        "kelurahan_code",
        application_id,
        _("No application with this number in your area."),
    )
    person = known(
        Person.objects.all(),
        "household__kelurahan_id",
        person_id,
        _("No person with this number in your area."),
    )
    household = known(
        Household.objects.all(),
        "kelurahan_id",
        household_id,
        _("No household with this number in your area."),
    )
    named = {
        pk
        for pk in (
            household_id,
            person.household_id if person else None,
            application.household_id if application else None,
        )
        if pk is not None
    }
    if len(named) > 1:
        raise DomainError(
            _("The household, person and application given are not of one household."),
            code="not_one_household",
        )
    if household is None and named:
        household = Household.objects.get(pk=named.pop())
    if person is None and application is not None:
        person = application.person
    return household, person, application


@transaction.atomic
def complaint_receive(
    *,
    actor: Actor,
    kind: str,
    category: str,
    channel: str,
    description: str,
    kelurahan_code: str = "",
    household_id: int | None = None,
    person_id: int | None = None,
    application_id: int | None = None,
    complainant_name: str = "",
    complainant_contact: str = "",
) -> Complaint:
    """Record a complaint or appeal with its SLA due date and a random tracking number."""
    perm_check(actor, "verification.add_complaint")
    if kind not in Complaint.Kind.values or category not in Complaint.Category.values:
        raise DomainError(_("Choose the kind and the category."), code="category")
    if channel not in Complaint.Channel.values:
        raise DomainError(_("Unknown channel."), code="channel")
    if not description.strip():
        raise DomainError(_("Say what the complaint is about."), code="description")
    household, person, application = _concerned(
        actor, household_id=household_id, person_id=person_id, application_id=application_id
    )
    if household is not None:
        kelurahan_code = household.kelurahan_id
    if not kelurahan_code:
        raise DomainError(_("Give the kelurahan or the household concerned."), code="kelurahan")
    kelurahan_check(actor, kelurahan_code)
    now = timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                complaint = Complaint.objects.create(
                    tracking_number=tracking_number_new(),
                    kind=kind,
                    category=category,
                    channel=channel,
                    kelurahan_code=kelurahan_code,
                    household=household,
                    person=person,
                    application=application,
                    description=description.strip(),
                    complainant_name=complainant_name.strip(),
                    complainant_contact=complainant_contact.strip(),
                    due_at=now + timedelta(days=sla_days(category)),
                    received_by=recorded_user(actor),
                )
            break
        except IntegrityError:  # a tracking number collision: draw again
            continue
    else:  # pragma: no cover - 31**10 numbers
        raise Conflict(_("Could not allocate a tracking number; try again."))
    _event(complaint, actor=actor, before="")
    return complaint


@transaction.atomic
def complaint_assign(*, actor: Actor, complaint_id: int, assignee_id: int) -> Complaint:
    """Give the complaint to an officer (Dinsos staff, or Puskesos of its kelurahan)."""
    complaint = _lock(complaint_id)
    _may_handle(actor, complaint)
    if complaint.status not in OPEN_STATUSES:
        raise Conflict(_("This complaint is already answered."), code="wrong_state")
    assignee = (
        assignable_officers(kelurahan_code=complaint.kelurahan_code, dinsos_staff=True)
        .filter(pk=assignee_id)
        .first()
    )
    if assignee is None:
        raise DomainError(
            _("Complaints go to Dinsos staff or a Puskesos officer of the kelurahan."),
            code="assignee",
            details={"field": "assignee"},
        )
    before = complaint.status
    complaint.assigned_to = assignee
    complaint.status = C.IN_PROGRESS
    if before == C.ESCALATED:
        # Taken up after escalation: a fresh deadline, or the beat escalates it again at once.
        complaint.due_at = timezone.now() + timedelta(days=sla_days(complaint.category))
    complaint.save(update_fields=["assigned_to", "status", "due_at", "updated_at"])
    _event(complaint, actor=actor, before=before, note=assignee.get_username())
    return complaint


def _reopen(actor: Actor, complaint: Complaint) -> Application:
    """A new application carrying the rejected one's details (the core has no reopen step)."""
    old = complaint.application
    if old is None or old.state != ApplicationState.REJECTED:
        raise DomainError(
            _("Only an appeal against a rejected application can reopen it."), code="reopen"
        )
    return application_submit(
        actor=actor if isinstance(actor, User) else None,
        cycle_id=old.cycle_id,
        person_id=old.person_id,
        channel=Application.Channel.PUSKESOS,
        detail=kind_for(old.programme.kind).stored_detail(old),
        amount=old.amount,
    )


@transaction.atomic
def complaint_answer(*, actor: Actor, complaint_id: int, answer: str, outcome: str) -> Complaint:
    """Answer with an outcome; `reopened` resubmits the appealed application, `revisit`
    sends the household a new field visit; an appeal `upheld` withdraws its household's pending
    DTSEN exits."""
    complaint = _lock(complaint_id)
    _may_handle(actor, complaint)
    if complaint.status not in OPEN_STATUSES:
        raise Conflict(_("This complaint is already answered."), code="wrong_state")
    if outcome not in Complaint.Outcome.values:
        raise DomainError(_("Choose the outcome."), code="outcome", details={"field": "outcome"})
    if not answer.strip():
        raise DomainError(
            _("Write the answer for the complainant."), code="answer", details={"field": "answer"}
        )
    if outcome == Complaint.Outcome.REOPENED:
        if complaint.kind != Complaint.Kind.APPEAL:
            raise DomainError(
                _("Only an appeal can reopen an application."),
                code="reopen",
                details={"field": "outcome"},
            )
        complaint.reopened_application = _reopen(actor, complaint)
    if outcome == Complaint.Outcome.REVISIT:
        if complaint.household_id is None:
            raise DomainError(
                _("Link the household to send a visit."),
                code="household",
                details={"field": "outcome"},
            )
        visit_create(
            actor=actor,
            household_id=complaint.household_id,
            kelurahan_code=complaint.kelurahan_code,
            purpose=FieldVisit.Purpose.COMPLAINT,
            due_on=timezone.localdate() + timedelta(days=7),
            complaint=complaint,
        )
    if (
        outcome == Complaint.Outcome.UPHELD
        and complaint.kind == Complaint.Kind.APPEAL
        and complaint.household_id is not None
    ):
        # Decided in the citizen's favour: the household's exits the objection held (or
        # would have held) are withdrawn, not released.
        exit_proposals_withdraw(
            actor=actor if isinstance(actor, User) else None,
            household_id=complaint.household_id,
            note=gettext("Objection %(number)s upheld.") % {"number": complaint.tracking_number},
        )
    before = complaint.status
    complaint.status = C.ANSWERED
    complaint.answer = answer.strip()
    complaint.outcome = outcome
    complaint.answered_at = timezone.now()
    complaint.save()
    _event(complaint, actor=actor, before=before, note=outcome)
    return complaint


@transaction.atomic
def complaint_close(*, actor: Actor, complaint_id: int) -> Complaint:
    complaint = _lock(complaint_id)
    _may_handle(actor, complaint)
    if complaint.status != C.ANSWERED:
        raise Conflict(_("Only an answered complaint can be closed."), code="wrong_state")
    complaint.status = C.CLOSED
    complaint.closed_at = timezone.now()
    complaint.save(update_fields=["status", "closed_at", "updated_at"])
    _event(complaint, actor=actor, before=C.ANSWERED)
    return complaint


@transaction.atomic
def complaint_escalate(*, actor: Actor, complaint_id: int, note: str) -> Complaint:
    complaint = _lock(complaint_id)
    _may_handle(actor, complaint)
    if complaint.status not in (C.RECEIVED, C.IN_PROGRESS):
        raise Conflict(_("Only an open complaint can be escalated."), code="wrong_state")
    before = complaint.status
    complaint.status = C.ESCALATED
    complaint.save(update_fields=["status", "updated_at"])
    _event(complaint, actor=actor, before=before, note=note)
    return complaint


@transaction.atomic
def complaints_escalate_overdue() -> int:
    """Escalate every open complaint past its SLA: one UPDATE, one INSERT of events."""
    now = timezone.now()
    overdue = list(
        Complaint.objects.select_for_update(skip_locked=True)
        .filter(Q(status=C.RECEIVED) | Q(status=C.IN_PROGRESS), due_at__lt=now)
        .values_list("pk", "status")
    )
    if not overdue:
        return 0
    Complaint.objects.filter(pk__in=[pk for pk, _s in overdue]).update(
        status=C.ESCALATED, updated_at=now
    )
    note = gettext("Past its answer deadline.")
    ComplaintEvent.objects.bulk_create(
        ComplaintEvent(complaint_id=pk, from_status=status, to_status=C.ESCALATED, note=note)
        for pk, status in overdue
    )
    audit_record(
        actor=None,
        action="verification.complaints_escalate",
        target_type="verification.complaint",
        after={"count": len(overdue), "ids": [pk for pk, _s in overdue][:1000]},
    )
    return len(overdue)
