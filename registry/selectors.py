"""Read queries of the registry, scoped to what the user may see.

Every query that returns households or persons goes through `scope_queryset`, so a Puskesos
officer sees only their kelurahan, and a row outside the scope is a 404 like a missing one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import F, IntegerField, Max, Prefetch, QuerySet
from django.db.models.functions import Cast

from depok_kds.access import get_in_scope, scope_queryset
from registry.models import FamilyCard, Household, HouseholdEvent, Kelurahan, Person
from registry.names import normalize_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

# word_similarity(query, name) a name must reach to match. Measured on 2.1M synthetic names:
# for a query of several words 0.6 keeps the spelling variants normalize_name leaves (Rizky /
# Rizki 0.87, Zaenal / Zainal 0.67, Nurhaliza / Nur Haliza 0.72), while 0.5 lets one shared
# surname match ~50x more rows. A one-word query has few trigrams, so one inserted vowel
# costs more (Selamet / Slamet 0.5); its matches are dominated by the exact word anyway.
WORD_SIMILARITY_THRESHOLD = 0.6
ONE_WORD_SIMILARITY_THRESHOLD = 0.5
# A name search is a lookup, not a report: the best matches are enough, and the cap keeps
# counting a page cheap when a query matches a very common name.
NAME_SEARCH_LIMIT = 200
MASK_CHAR = "\u2022"
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_SPACES = re.compile(r"\s+")


def mask_nik(value: str | None) -> str:
    """Hide the middle of a NIK or No. KK: "3276014101900001" -> "3276••••••••0001"."""
    if not value:
        return ""
    if len(value) <= 8:
        return MASK_CHAR * len(value)
    return f"{value[:4]}{MASK_CHAR * (len(value) - 8)}{value[-4:]}"


def nik_display(value: str | None, *, full: bool) -> str:
    """The number as a page or response shows it; showing it `full` must be logged."""
    return (value or "") if full else mask_nik(value)


def kelurahan_list(*, user: User | AnonymousUser) -> QuerySet[Kelurahan]:
    """The kelurahan the user works in (all 63 for city-wide roles)."""
    return scope_queryset(
        Kelurahan.objects.select_related("kecamatan").order_by("code"),
        user=user,
        kelurahan_field="code",
    )


def household_holder_ids(*, nik: str = "", kk: str = "") -> QuerySet[Any]:
    """Ids of the households holding a NIK (as a member) or an open No. KK, as a subquery.

    Not scoped: callers filter households by it inside a scoped query.
    """
    by_nik: QuerySet[Any] = Person.objects.filter(nik=nik).values("household_id")
    by_kk: QuerySet[Any] = FamilyCard.objects.filter(number=kk, valid_to__isnull=True).values(
        "household_id"
    )
    if nik and kk:
        return by_nik.union(by_kk)
    return by_nik if nik else by_kk


def household_find(
    *, user: User | AnonymousUser, nik: str = "", kk: str = ""
) -> QuerySet[Household]:
    """Households the user may see that hold `nik` (a member's) or `kk` (the open card)."""
    households = scope_queryset(
        Household.objects.select_related("kelurahan__kecamatan", "head"),
        user=user,
        kelurahan_field="kelurahan_id",
    )
    return households.filter(pk__in=household_holder_ids(nik=nik, kk=kk)).order_by("pk")


def households_with_details(households: QuerySet[Household]) -> QuerySet[Household]:
    """Prefetch members (in household order) and the open card (`open_cards`) for output."""
    return households.prefetch_related(
        Prefetch(
            "members",
            queryset=_members_in_order(),
        ),
        Prefetch(
            "family_cards",
            queryset=FamilyCard.objects.filter(valid_to__isnull=True),
            to_attr="open_cards",
        ),
    )


def household_list(
    *,
    user: User | AnonymousUser,
    q: str = "",
    kecamatan: str = "",
    kelurahan: str = "",
    rw: int | None = None,
    rt: int | None = None,
    poverty_class: str = "",
    desil_max: int | None = None,
) -> QuerySet[Household]:
    """Households the user may see, filtered, best match first.

    `q` is a 16-digit NIK or No. KK (exact, index lookups), otherwise a name: normalised like
    the stored names (titles, bin/binti, Muhammad/M., old spelling) and compared by trigram
    word similarity through the GIN index on `Person.name_normalized`.
    """
    households = scope_queryset(
        Household.objects.select_related("kelurahan__kecamatan", "head"),
        user=user,
        kelurahan_field="kelurahan_id",
    )
    if kelurahan:
        households = households.filter(kelurahan_id=kelurahan)
    elif kecamatan:
        households = households.filter(
            kelurahan_id__in=Kelurahan.objects.filter(kecamatan_id=kecamatan).values("code")
        )
    if rw is not None:
        households = households.filter(rw=rw)
    if rt is not None:
        households = households.filter(rt=rt)
    if poverty_class:
        households = households.filter(poverty_class=poverty_class)
    if desil_max is not None:
        households = households.filter(desil__lte=desil_max)

    q = _SPACES.sub(" ", q).strip()
    if not q:
        return households.order_by("kelurahan_id", "rw", "rt", "pk")
    number = q.replace(" ", "")
    if _SIXTEEN_DIGITS.fullmatch(number):
        return households.filter(pk__in=household_holder_ids(nik=number, kk=number)).order_by("pk")
    key = normalize_name(q)
    if not key:
        return households.none()
    _use_word_similarity_threshold(key)
    matches = (
        households.filter(members__name_normalized__trigram_word_similar=key)
        .annotate(similarity=Max(TrigramWordSimilarity(key, "members__name_normalized")))
        .order_by("-similarity", "pk")
    )
    return matches[:NAME_SEARCH_LIMIT]


def _use_word_similarity_threshold(key: str) -> None:
    # The `%>` operator reads its threshold from this setting (the index can only serve the
    # operator, not a comparison with a number), so set it on the connection the query uses.
    threshold = WORD_SIMILARITY_THRESHOLD if " " in key else ONE_WORD_SIMILARITY_THRESHOLD
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(threshold)]
        )


def household_get(*, user: User | AnonymousUser, household_id: int) -> Household:
    """One household the user may see, or Http404."""
    return get_in_scope(
        Household.objects.select_related("kelurahan__kecamatan", "head"),
        user=user,
        kelurahan_field="kelurahan_id",
        pk=household_id,
    )


def _members_in_order() -> QuerySet[Person]:
    # Living before deceased, then Dukcapil relationship order (head first), oldest first.
    return Person.objects.annotate(
        relationship_order=Cast("relationship", IntegerField())
    ).order_by("is_deceased", "relationship_order", "birth_date", "pk")


def household_get_detailed(*, user: User | AnonymousUser, household_id: int) -> Household:
    """`household_get` with members and the open card prefetched, for API output."""
    return get_in_scope(
        households_with_details(Household.objects.select_related("kelurahan__kecamatan", "head")),
        user=user,
        kelurahan_field="kelurahan_id",
        pk=household_id,
    )


def household_members(*, household: Household) -> QuerySet[Person]:
    """Current members, living first, head first, then oldest first."""
    return _members_in_order().filter(household=household)


def household_cards(*, household: Household) -> QuerySet[FamilyCard]:
    """The No. KK history, current card first."""
    return FamilyCard.objects.filter(household=household).order_by(
        F("valid_to").desc(nulls_first=True), "-valid_from", "-pk"
    )


def household_history(*, household: Household) -> QuerySet[HouseholdEvent]:
    """The household's events, newest first."""
    return (
        HouseholdEvent.objects.filter(household=household)
        .select_related("actor", "person")
        .order_by("-created_at", "-pk")
    )


def person_list(*, user: User | AnonymousUser, q: str) -> QuerySet[Person]:
    """Persons the user may see with NIK `q`, or whose name matches `q`, best match first."""
    persons = scope_queryset(
        Person.objects.select_related("household"),
        user=user,
        kelurahan_field="household__kelurahan_id",
    )
    number = "".join(q.split())
    if _SIXTEEN_DIGITS.fullmatch(number):
        return persons.filter(nik=number)
    key = normalize_name(q)
    if not key:
        return persons.none()
    _use_word_similarity_threshold(key)
    matches = (
        persons.filter(name_normalized__trigram_word_similar=key)
        .annotate(similarity=TrigramWordSimilarity(key, "name_normalized"))
        .order_by("-similarity", "pk")
    )
    return matches[:NAME_SEARCH_LIMIT]


def person_get_by_nik(*, user: User | AnonymousUser, nik: str) -> Person:
    """The person holding `nik`, if their household is in the user's scope, or Http404."""
    return get_in_scope(
        Person.objects.select_related("household__kelurahan__kecamatan"),
        user=user,
        kelurahan_field="household__kelurahan_id",
        nik=nik,
    )
