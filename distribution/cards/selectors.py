"""Read queries of KDS cards, scoped like the registry (a Puskesos officer: own kelurahan)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import Q, QuerySet

from depok_kds.access import get_in_scope, scope_queryset
from distribution.cards.entitlement import entitled_household_ids, entitled_student_ids
from distribution.cards.models import LIVE_STATES, Card
from distribution.cards.numbers import CardNumberError, card_number_parse, looks_like_card_number
from distribution.cards.signing import token_verify
from registry.models import Household, Kelurahan, Person
from registry.selectors import MASK_CHAR

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

PublicAnswer = Literal["valid", "replaced", "not_valid"]
# A card "is valid" once its holder has it; a printed card not yet handed over is not.
VALID_STATES = (Card.State.HANDED_OVER, Card.State.ACTIVE)


def _cards() -> QuerySet[Card]:
    return Card.objects.select_related("household__head", "household__kelurahan", "student")


def card_list(
    *, user: User | AnonymousUser, kelurahan: str = "", state: str = "", kind: str = ""
) -> QuerySet[Card]:
    cards = scope_queryset(_cards(), user=user, kelurahan_field="kelurahan_code")
    if kelurahan:
        cards = cards.filter(kelurahan_code=kelurahan)
    if state:
        cards = cards.filter(state=state)
    if kind:
        cards = cards.filter(kind=kind)
    return cards.order_by("-created_at", "-pk")


def card_get(*, user: User | AnonymousUser, card_id: int) -> Card:
    return get_in_scope(
        _cards().select_related("replaces", "handed_over_by"),
        user=user,
        kelurahan_field="kelurahan_code",
        pk=card_id,
    )


def card_get_by_number(*, user: User | AnonymousUser, number: str) -> Card:
    return get_in_scope(_cards(), user=user, kelurahan_field="kelurahan_code", number=number)


def household_cards(*, user: User | AnonymousUser, household_id: int) -> list[Card]:
    """The household's family cards and its current members' student cards, newest first."""
    members = Person.objects.filter(household_id=household_id).values("pk")
    return list(
        scope_queryset(_cards(), user=user, kelurahan_field="kelurahan_code")
        .filter(
            Q(kind=Card.Kind.FAMILY, household_id=household_id)
            | Q(kind=Card.Kind.STUDENT, student_id__in=members)
        )
        .order_by("kind", "-issue")
    )


def household_ids_by_number(text: str) -> QuerySet[Any] | None:
    """The registry search's resolver: the household holding a typed card number (the
    student's current household for a student card); none for a wrong check digit. Not
    scoped: the registry filters its scoped households by it."""
    if not looks_like_card_number(text):
        return None
    try:
        parsed = card_number_parse(text)
    except CardNumberError:
        return Household.objects.none().values("pk")
    card = Card.objects.filter(number=parsed.number)
    if parsed.kind == "student":
        return Person.objects.filter(pk__in=card.values("student_id")).values("household_id")
    return card.values("household_id")


def holder_name(card: Card) -> str:
    if card.student is not None:
        return card.student.full_name
    head = card.household.head
    return head.full_name if head else ""


def name_mask(name: str) -> str:
    """Each word's first letter, the rest hidden: "Siti Aminah" -> "S••• A•••••"."""
    return " ".join(word[0] + MASK_CHAR * (len(word) - 1) for word in name.split())


@dataclass(frozen=True)
class PublicStatus:
    answer: PublicAnswer
    holder: str = ""
    kelurahan: str = ""


NOT_VALID = PublicStatus("not_valid")


def card_public_status(*, number: str | None) -> PublicStatus:
    """What anyone may learn of a card: valid or replaced with the masked holder name and
    kelurahan; for a revoked, unknown or not yet handed over card the one neutral answer."""
    if number is None:
        return NOT_VALID
    card = _cards().filter(number=number).first()
    if card is None:
        return NOT_VALID
    if card.state in VALID_STATES:
        answer: PublicAnswer = "valid"
    elif card.state == Card.State.REPLACED:
        answer = "replaced"
    else:
        return NOT_VALID
    kelurahan: Kelurahan = card.household.kelurahan
    return PublicStatus(answer, holder=name_mask(holder_name(card)), kelurahan=kelurahan.name)


def card_status_by_token(token: str) -> PublicStatus:
    return card_public_status(number=token_verify(token))


@dataclass(frozen=True)
class CardCandidates:
    """Who in a household may still be given a card (entitled, no card in use)."""

    family: bool
    students: list[Person]


def household_card_candidates(*, household_id: int) -> CardCandidates:
    live = Card.objects.filter(state__in=LIVE_STATES)
    family = (
        Household.objects.filter(
            pk=household_id, status=Household.Status.ACTIVE, pk__in=entitled_household_ids()
        )
        .exclude(pk__in=live.filter(kind=Card.Kind.FAMILY).values("household_id"))
        .exists()
    )
    students = list(
        Person.objects.filter(household_id=household_id, pk__in=entitled_student_ids())
        .exclude(pk__in=live.filter(kind=Card.Kind.STUDENT).values("student_id"))
        .order_by("pk")
    )
    return CardCandidates(family=family, students=students)
