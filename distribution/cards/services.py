"""Use cases of KDS cards: request, print, hand over, activate, replace, revoke.

Every transition locks the card, checks its from-state (a `Conflict` otherwise), writes a
`CardEvent` and an audit row. A kelurahan's request and a print run are the same use cases
done set-based for many cards at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Max, Model, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.access import scope_queryset
from depok_kds.audit import Actor, audit_record, recorded_user
from depok_kds.errors import Conflict, DomainError
from distribution.cards.entitlement import (
    entitled_household_ids,
    entitled_student_ids,
    student_end_reasons,
)
from distribution.cards.models import LIVE_STATES, Card, CardEvent
from distribution.cards.numbers import ISSUE_MAX, card_number_make
from registry.models import Household, Person

M = TypeVar("M", bound=Model)
State = Card.State
Kind = Card.Kind
# Each transition and the states it may start from.
HANDOVER_FROM = (State.PRINTED,)
ACTIVATE_FROM = (State.HANDED_OVER,)
REPLACE_FROM = (State.PRINTED, State.HANDED_OVER, State.ACTIVE)


def _state(card: Card) -> dict[str, Any]:
    return {
        "number": card.number,
        "state": card.state,
        "received_by": card.received_by,
        "handed_over_on": card.handed_over_on,
        "end_reason": card.end_reason,
    }


def _event(card: Card, kind: str, actor: Actor, **details: Any) -> CardEvent:
    return CardEvent.objects.create(
        card=card, kind=kind, actor=recorded_user(actor), details=details
    )


def _scoped(queryset: QuerySet[M], *, actor: Actor, field: str) -> QuerySet[M]:
    """What the actor may act on; the system (no actor) acts on everything."""
    if actor is None:
        return queryset
    return scope_queryset(queryset, user=actor, kelurahan_field=field)


def _get(queryset: QuerySet[M], *, actor: Actor, field: str, pk: int) -> M:
    """One row the actor may act on, or Http404 (the same answer as a missing one)."""
    row = _scoped(queryset, actor=actor, field=field).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def _lock(*, actor: Actor, card_id: int) -> Card:
    """The card, locked; Http404 outside the actor's kelurahan, like a missing one."""
    return _get(Card.objects.select_for_update(), actor=actor, field="kelurahan_code", pk=card_id)


def _from_state(card: Card, allowed: Iterable[str]) -> str:
    if card.state not in allowed:
        raise Conflict(
            _("The card is %(state)s; this cannot be done now.")
            % {"state": card.get_state_display()},
            code="wrong_state",
        )
    return card.state


# --- requesting ----------------------------------------------------------------------------


def _next_issues(kind: str, owner_ids: list[int]) -> dict[int, int]:
    owner = "household_id" if kind == Kind.FAMILY else "student_id"
    issued = (
        Card.objects.filter(kind=kind, **{f"{owner}__in": owner_ids})
        .values(owner)
        .annotate(last=Max("issue"))
        .values_list(owner, "last")
    )
    last = dict(issued)
    return {pk: last.get(pk, 0) + 1 for pk in owner_ids}


def _cards_create(
    *,
    actor: Actor,
    kind: str,
    owners: Sequence[tuple[int, Person | None, Household]],
    replaces: Card | None = None,
) -> list[Card]:
    """Request a card for each (owner id, student, household); the owner has no live card."""
    if not owners:
        return []
    issues = _next_issues(kind, [owner_id for owner_id, _student, _household in owners])
    cards = []
    for owner_id, student, household in owners:
        issue = issues[owner_id]
        if issue > ISSUE_MAX:
            raise DomainError(
                _("This card has been issued %(count)s times; no further issue is possible.")
                % {"count": ISSUE_MAX},
                code="issue_limit",
            )
        cards.append(
            Card(
                kind=kind,
                number=card_number_make(kind=kind, owner_id=owner_id, issue=issue),  # type: ignore[arg-type]
                issue=issue,
                household=household,
                student=student,
                kelurahan_code=household.kelurahan_id,
                replaces=replaces,
            )
        )
    try:
        with transaction.atomic():  # a concurrent request for the same owner ends here
            created = Card.objects.bulk_create(cards)
    except IntegrityError as exc:
        raise Conflict(
            _("A card was requested for this holder a moment ago; reload and try again."),
            code="duplicate",
        ) from exc
    user = recorded_user(actor)
    CardEvent.objects.bulk_create(
        CardEvent(
            card=card,
            kind=CardEvent.Kind.REQUESTED,
            actor=user,
            details={"replaces": replaces.number} if replaces else {},
        )
        for card in created
    )
    return created


def _refuse_live(kind: str, **owner: Any) -> None:
    if Card.objects.filter(kind=kind, state__in=LIVE_STATES, **owner).exists():
        raise Conflict(_("This holder already has a card in use."), code="card_exists")


@transaction.atomic
def card_request(
    *, actor: Actor, kind: str, household_id: int | None = None, student_id: int | None = None
) -> Card:
    """Request a family card for a household, or a student card for an enrolled student.

    Refused unless the household holds a KDS programme (or the student an education
    programme) and has no card in use."""
    if kind == Kind.FAMILY and household_id is not None:
        household = _get(
            Household.objects.select_for_update(),
            actor=actor,
            field="kelurahan_id",
            pk=household_id,
        )
        student = None
        entitled = Household.objects.filter(
            pk=household.pk, pk__in=entitled_household_ids()
        ).exists()
        owner_id = household.pk
        _refuse_live(kind, household_id=household.pk)
    elif kind == Kind.STUDENT and student_id is not None:
        student = _get(
            Person.objects.select_for_update(of=("self",)).select_related("household"),
            actor=actor,
            field="household__kelurahan_id",
            pk=student_id,
        )
        if student.household is None:  # scoped through the household: never here
            raise DomainError(_("The student is not in a household."), code="invalid")
        household = student.household
        entitled = Person.objects.filter(pk=student.pk, pk__in=entitled_student_ids()).exists()
        owner_id = student.pk
        _refuse_live(kind, student_id=student.pk)
    else:
        raise DomainError(_("Choose the card type and its holder."), code="invalid")
    if household.status != Household.Status.ACTIVE:
        raise DomainError(_("The household is no longer active."), code="inactive")
    if not entitled:
        raise DomainError(
            _(
                "Only a household holding a KDS programme, or a student enrolled in an "
                "education programme, gets a card."
            ),
            code="not_entitled",
        )
    (card,) = _cards_create(actor=actor, kind=kind, owners=[(owner_id, student, household)])
    audit_record(actor=actor, action="card.request", target=card, after=_state(card))
    return card


@transaction.atomic
def cards_request_kelurahan(*, actor: Actor, kelurahan_code: str) -> list[Card]:
    """Request a card for every entitled household and student of a kelurahan without one."""
    households = _scoped(
        Household.objects.filter(kelurahan_id=kelurahan_code, status=Household.Status.ACTIVE),
        actor=actor,
        field="kelurahan_id",
    )
    if not households.exists():
        raise DomainError(
            _("There is no household in this kelurahan that you may see."), code="empty"
        )
    live = Card.objects.filter(state__in=LIVE_STATES)
    families = list(
        households.filter(pk__in=entitled_household_ids())
        .exclude(pk__in=live.filter(kind=Kind.FAMILY).values("household_id"))
        .order_by("pk")
    )
    students = list(
        Person.objects.filter(household__in=households, pk__in=entitled_student_ids())
        .exclude(pk__in=live.filter(kind=Kind.STUDENT).values("student_id"))
        .select_related("household")
        .order_by("pk")
    )
    created = _cards_create(
        actor=actor, kind=Kind.FAMILY, owners=[(h.pk, None, h) for h in families]
    ) + _cards_create(
        actor=actor,
        kind=Kind.STUDENT,
        owners=[(p.pk, p, p.household) for p in students if p.household is not None],
    )
    audit_record(
        actor=actor,
        action="card.request",
        target_type="cards.card",
        after={
            "kelurahan_code": kelurahan_code,
            "family_cards": len(families),
            "student_cards": len(students),
        },
    )
    return created


# --- printing ------------------------------------------------------------------------------


def print_run_cards(*, actor: Actor, kelurahan_code: str) -> QuerySet[Card]:
    """The requested cards of a kelurahan that a print run takes, in print order."""
    return _scoped(
        Card.objects.filter(kelurahan_code=kelurahan_code, state=State.REQUESTED),
        actor=actor,
        field="kelurahan_code",
    ).order_by("kind", "household__rw", "household__rt", "pk")


@transaction.atomic
def cards_printed(*, actor: Actor, card_ids: Sequence[int], on: date | None = None) -> int:
    """Mark requested cards as printed (the date printed is their issue date)."""
    on = on or timezone.localdate()
    cards = list(
        _scoped(
            Card.objects.select_for_update().filter(pk__in=card_ids, state=State.REQUESTED),
            actor=actor,
            field="kelurahan_code",
        )
    )
    Card.objects.filter(pk__in=[c.pk for c in cards]).update(
        state=State.PRINTED, printed_on=on, updated_at=timezone.now()
    )
    user = recorded_user(actor)
    CardEvent.objects.bulk_create(
        CardEvent(card=card, kind=CardEvent.Kind.PRINTED, actor=user) for card in cards
    )
    audit_record(
        actor=actor,
        action="card.print",
        target_type="cards.card",
        target_id=cards[0].pk if len(cards) == 1 else "",
        after={"count": len(cards), "printed_on": on, "numbers": [c.number for c in cards][:1000]},
    )
    return len(cards)


# --- hand-over and after -------------------------------------------------------------------


@transaction.atomic
def card_hand_over(*, actor: Actor, card_id: int, received_by: str, on: date) -> Card:
    """Record who received a printed card, when, and (the actor) which officer handed it."""
    card = _lock(actor=actor, card_id=card_id)
    before = _state(card)
    _from_state(card, HANDOVER_FROM)
    received_by = received_by.strip()
    if not received_by:
        raise DomainError(
            _("Give the name of the person who received the card."),
            code="required",
            details={"field": "received_by"},
        )
    if on > timezone.localdate() or (card.printed_on and on < card.printed_on):
        raise DomainError(
            _("The hand-over date must lie between printing and today."),
            code="invalid_date",
            details={"field": "on"},
        )
    card.state = State.HANDED_OVER
    card.received_by, card.handed_over_on = received_by, on
    card.handed_over_by = recorded_user(actor)
    card.save(
        update_fields=["state", "received_by", "handed_over_on", "handed_over_by", "updated_at"]
    )
    _event(card, CardEvent.Kind.HANDED_OVER, actor, received_by=received_by, on=on.isoformat())
    audit_record(
        actor=actor, action="card.hand_over", target=card, before=before, after=_state(card)
    )
    return card


@transaction.atomic
def card_activate(*, actor: Actor, card_id: int) -> Card:
    """The holder has started using the card (the bank activated it)."""
    card = _lock(actor=actor, card_id=card_id)
    before = _state(card)
    _from_state(card, ACTIVATE_FROM)
    card.state = State.ACTIVE
    card.save(update_fields=["state", "updated_at"])
    _event(card, CardEvent.Kind.ACTIVATED, actor)
    audit_record(
        actor=actor, action="card.activate", target=card, before=before, after=_state(card)
    )
    return card


@transaction.atomic
def card_replace(*, actor: Actor, card_id: int, reason: str) -> Card:
    """A card reported lost or damaged ends as "replaced"; its successor, with the next
    issue number (a new serial), is requested for the same holder. Returns the successor."""
    card = _lock(actor=actor, card_id=card_id)
    before = _state(card)
    _from_state(card, REPLACE_FROM)
    if reason not in Card.ReplaceReason.values:
        raise DomainError(_("Choose whether the card was lost or damaged."), code="invalid")
    card.state, card.end_reason = State.REPLACED, reason
    card.save(update_fields=["state", "end_reason", "updated_at"])
    household = Household.objects.get(pk=card.household_id)
    student = Person.objects.get(pk=card.student_id) if card.student_id else None
    if student is not None and student.household is not None:
        household = student.household
    owner_id = student.pk if student else household.pk
    (successor,) = _cards_create(
        actor=actor, kind=card.kind, owners=[(owner_id, student, household)], replaces=card
    )
    _event(card, CardEvent.Kind.REPLACED, actor, reason=reason, successor=successor.number)
    audit_record(
        actor=actor,
        action="card.replace",
        target=card,
        before=before,
        after={**_state(card), "successor": successor.number},
    )
    return successor


def _revoke(card: Card, *, actor: Actor, reason: str) -> None:
    before = _state(card)
    card.state, card.end_reason = State.REVOKED, reason
    card.save(update_fields=["state", "end_reason", "updated_at"])
    _event(card, CardEvent.Kind.REVOKED, actor, reason=reason)
    audit_record(actor=actor, action="card.revoke", target=card, before=before, after=_state(card))


@transaction.atomic
def card_revoke(*, actor: Actor, card_id: int, reason: str) -> Card:
    """End a card in use: the household left Depok, the holder holds no KDS programme, the
    student graduated or left, or it was issued in error."""
    card = _lock(actor=actor, card_id=card_id)
    _from_state(card, LIVE_STATES)
    if reason not in Card.RevokeReason.values:
        raise DomainError(_("Choose why the card is revoked."), code="invalid")
    _revoke(card, actor=actor, reason=reason)
    return card


@transaction.atomic
def cards_revoke_unentitled(*, actor: Actor = None) -> dict[str, int]:
    """Revoke the live cards whose holder no longer holds a KDS programme (family cards) or
    an education programme (student cards: "graduated" or "exited", by the last exit)."""
    live = Card.objects.select_for_update().filter(state__in=LIVE_STATES)
    families = list(
        live.filter(kind=Kind.FAMILY).exclude(household_id__in=entitled_household_ids())
    )
    students = list(live.filter(kind=Kind.STUDENT).exclude(student_id__in=entitled_student_ids()))
    reasons = student_end_reasons([c.student_id for c in students if c.student_id])
    for card in families:
        _revoke(card, actor=actor, reason=Card.RevokeReason.NO_PROGRAMME)
    for card in students:
        _revoke(card, actor=actor, reason=reasons.get(card.student_id or 0, "exited"))
    return {"family": len(families), "student": len(students)}


# --- reactions to registry use cases (called by the hooks) ----------------------------------


def student_cards_end(*, actor: Actor, person_id: int, reason: str) -> int:
    """End the live student card of a person who died or left Depok."""
    cards = list(
        Card.objects.select_for_update().filter(
            kind=Kind.STUDENT, student_id=person_id, state__in=LIVE_STATES
        )
    )
    for card in cards:
        _revoke(card, actor=actor, reason=reason)
    return len(cards)


def split_card_request(*, actor: Actor, household_id: int, new_household_id: int) -> Card | None:
    """Pecah KK: a household that had a family card in use gives the new household its own
    card, if the new one holds a KDS programme. The old card stays: its holder (the head,
    who stays) and its kelurahan are unchanged."""
    if not Card.objects.filter(
        kind=Kind.FAMILY, household_id=household_id, state__in=LIVE_STATES
    ).exists():
        return None
    new = Household.objects.filter(pk=new_household_id, pk__in=entitled_household_ids()).first()
    if new is None:
        return None
    (card,) = _cards_create(actor=actor, kind=Kind.FAMILY, owners=[(new.pk, None, new)])
    audit_record(
        actor=actor,
        action="card.request",
        target=card,
        after={**_state(card), "split_from": household_id},
    )
    return card
