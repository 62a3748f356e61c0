"""Read queries of the registry, scoped to what the user may see.

Every query that returns households or persons goes through `scope_queryset`, so a Puskesos
officer sees only their kelurahan, and a row outside the scope is a 404 like a missing one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import F, FloatField, Func, IntegerField, Max, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import get_language

from depok_kds.access import get_in_scope, scope_queryset
from registry import scoring
from registry.models import (
    Assessment,
    FamilyCard,
    Household,
    HouseholdEvent,
    Kelurahan,
    NameWord,
    Person,
    Ruleset,
)
from registry.names import name_tokens, search_readings

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

M = TypeVar("M", Household, Person)

# Name search. A stored name matches when it reaches PostgreSQL's default pg_trgm thresholds,
# which the GIN index on `Person.name_normalized` serves: for several typed words
# word_similarity >= 0.6, which keeps the spelling variants normalize_name leaves (Rizky /
# Rizki 0.87, Zaenal / Zainal 0.65, Nurhaliza / Nur Haliza 0.72); for one word
# strict_word_similarity >= 0.5, a whole word (Selamet / Slamet 0.5, but Agus / Agustina
# only 0.4). Being the defaults, they need no SET: the QuerySet stays right wherever it is
# evaluated (a page, an admin subquery, an export's count and iterator), which a SET LOCAL
# would not reach, and nothing leaks to other queries on a pooled connection as a
# session-wide SET would. A name search is a lookup, not a report: the best 200 are enough.
NAME_SEARCH_LIMIT = 200
# Persons read per search before ranking: those holding every typed word, nearest whole
# names first, then (only when few) similar names in table order. A common name (Siti,
# Muhammad Dafa) matches tens of thousands of persons, and ranking them all costs a second,
# while its best 200 are equally good ones anyway.
NAME_CANDIDATES = 300
# Persons holding every typed word read at most, and how few send the search on to similar
# names (the trigram index).
NAME_WORD_MATCHES = 5000
NAME_FEW = 20
MASK_CHAR = "\u2022"
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_SPACES = re.compile(r"\s+")
_REGISTRY_NUMBER = re.compile(r"KDS-?([0-9]{1,9})", re.IGNORECASE)

# Apps built on the registry can make their own numbers searchable (a KDS card number) by
# registering a resolver from their AppConfig.ready(): given the typed text, it returns a
# subquery of household ids, or None when the text is not one of its numbers. The registry
# never imports them.
NumberResolver = Callable[[str], "QuerySet[Any] | None"]
NUMBER_RESOLVERS: list[NumberResolver] = []


def number_resolver_register(resolver: NumberResolver) -> None:
    """Add a resolver tried on every search text (once, however often registered)."""
    if resolver not in NUMBER_RESOLVERS:
        NUMBER_RESOLVERS.append(resolver)


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


def household_list(
    *,
    user: User | AnonymousUser,
    q: str = "",
    kecamatan: str = "",
    kelurahan: str = "",
    kelurahan_name: str = "",
    rw: int | None = None,
    rt: int | None = None,
    address: str = "",
    born: date | int | str | None = None,
    poverty_class: str = "",
    desil_max: int | None = None,
) -> QuerySet[Household]:
    """Households the user may see, filtered, best match first.

    `q` is a 16-digit NIK or No. KK (exact, index lookups), a registry number (KDS-0000123,
    kds-123) or a number a registered resolver knows (a KDS card number), otherwise a name:
    normalised like the stored names (titles, bin/binti, Muhammad/M., old spelling) and ranked by
    `_best_named`. The narrowing fields are optional: `kelurahan_name` (part of the name),
    `address` (part of the street address), `born` (a year, a date or an ISO date: a member
    whose name matches was born then; without a name, any member).
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
    if kelurahan_name.strip():
        households = households.filter(kelurahan__name__icontains=kelurahan_name.strip())
    if rw is not None:
        households = households.filter(rw=rw)
    if rt is not None:
        households = households.filter(rt=rt)
    if address.strip():
        households = households.filter(address__icontains=address.strip())
    if poverty_class:
        households = households.filter(poverty_class=poverty_class)
    if desil_max is not None:
        households = households.filter(desil__lte=desil_max)
    birth = _birth_range(born)

    q = _SPACES.sub(" ", q).strip()
    if not q:
        if birth is not None:
            households = households.filter(
                pk__in=Person.objects.filter(birth_date__range=birth).values("household_id")
            )
        return households.order_by("kelurahan_id", "rw", "rt", "pk")
    number = q.replace(" ", "")
    if _SIXTEEN_DIGITS.fullmatch(number):
        return households.filter(pk__in=household_holder_ids(nik=number, kk=number)).order_by("pk")
    if registry := _REGISTRY_NUMBER.fullmatch(number):
        return households.filter(pk=int(registry[1])).order_by("pk")
    for resolver in NUMBER_RESOLVERS:
        ids = resolver(q)
        if ids is not None:
            return households.filter(pk__in=ids).order_by("pk")
    tokens = name_tokens(q)
    if not tokens or households.query.is_empty():
        return households.none()
    # Scoped or filtered: draw the candidates from those households only.
    within = households if households.query.where else None
    groups = _word_groups(tokens)
    matches = households.filter(members__in=_name_candidates(groups, within=within, birth=birth))
    return _best_named(matches, groups, name="members__name_normalized", best_member=True)


def _birth_range(born: date | int | str | None) -> tuple[date, date] | None:
    """The first and last day `born` (a year, a date or an ISO date) stands for."""
    if born is None or born == "":
        return None
    if isinstance(born, str):
        born = date.fromisoformat(born)
    if isinstance(born, date):
        return born, born
    return date(born, 1, 1), date(born, 12, 31)


# A typed word is widened to the registry's words at least this trigram-similar to it (Rizky
# / Rizki 0.5, Zaenal / Zainal 0.4), the nearest NAME_VARIANTS of them.
NAME_VARIANT_SIMILARITY = 0.4
NAME_VARIANTS = 12
# A found word weighs FOUND_WEIGHT plus its rarity (below 1): every typed word found first.
# Each other word of the name costs EXTRA_WORD_COST: less than any word's rarity (above 0.05
# for a word of 1,000,000 names), so it only orders names holding the same typed words.
FOUND_WEIGHT = 100.0
EXTRA_WORD_COST = 0.001
# A word found only in a similar spelling (not a reading) costs a little more than one other
# word, on the same terms.
VARIANT_COST = 0.002


# A typed word, its weight, its spellings in the registry and (of them) its readings: the
# word itself and the ways `search_readings` knows it is written.
WordGroup = tuple[str, float, list[str], list[str]]


def _word_groups(tokens: list[str]) -> list[WordGroup]:
    """Per typed word (once each): the word, its weight (found, plus rarity) and its spellings.

    The spellings are the word itself, its readings the registry holds (`search_readings`:
    Jusuf for Yusuf, Zainal for Zaenal) and the nearest words of `NameWord` (one query).
    The rarity is 1 / log2(2 + persons holding any of the spellings): 1 for a word nobody
    else has, 0.06 for a word in 100,000 names.
    """
    unique = list(dict.fromkeys(tokens))
    readings = [(token, reading) for token in unique for reading in search_readings(token)]
    table = NameWord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.word, v.word, v.persons FROM unnest(%s::text[]) AS t(word) "  # noqa: S608
            f"CROSS JOIN LATERAL (SELECT n.word, n.persons FROM {table} n "
            "WHERE n.word = t.word OR (length(t.word) > 2 AND n.word %% t.word "
            "AND similarity(n.word, t.word) >= %s) "
            "ORDER BY n.word <-> t.word LIMIT %s) AS v "
            f"UNION SELECT r.word, n.word, n.persons FROM {table} n "
            "JOIN unnest(%s::text[], %s::text[]) AS r(word, reading) ON n.word = r.reading",
            [
                unique,
                NAME_VARIANT_SIMILARITY,
                NAME_VARIANTS,
                [token for token, _ in readings],
                [reading for _, reading in readings],
            ],
        )
        rows = cursor.fetchall()
    variants: dict[str, dict[str, int]] = {token: {token: 0} for token in unique}
    for token, word, persons in rows:
        variants[token][word] = persons
    return [
        (
            t,
            FOUND_WEIGHT + 1 / math.log2(2 + sum(variants[t].values())),
            sorted(variants[t]),
            sorted({t} | (set(search_readings(t)) & set(variants[t]))),
        )
        for t in unique
    ]


class _WordsFound(Func):
    """The sum of the weights of the typed words (any spelling of them) the name holds, less
    VARIANT_COST for a word found only in a merely similar spelling (not one of its
    readings: Zaenab for Zaenal) and EXTRA_WORD_COST for each other word of the name: of
    names holding the same typed words, "Zainal Fauzi" for "zaenal fauzy" comes before
    "Dwi Zaenal Fauzi" and "Zaenab Fauziah"."""

    output_field = FloatField()

    def __init__(self, name: str, groups: list[WordGroup]) -> None:
        super().__init__(F(name))
        self.groups = groups

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:  # type: ignore[override]
        name_sql, name_params = compiler.compile(self.source_expressions[0])
        weights = [weight for _, weight, _, _ in self.groups]
        words = [word for _, _, spellings, _ in self.groups for word in spellings]
        group = [i for i, (_, _, spellings, _) in enumerate(self.groups, 1) for _ in spellings]
        readings = [word for _, _, _, close in self.groups for word in close]
        reading_group = [i for i, (_, _, _, close) in enumerate(self.groups, 1) for _ in close]
        holds = f"= ANY(string_to_array({name_sql}, ' '))"
        sql = (
            "((SELECT coalesce(sum(g.weight - CASE WHEN EXISTS (SELECT 1 FROM "  # noqa: S608
            f"unnest(%s::text[], %s::int[]) AS r(word, i) WHERE r.i = g.i AND r.word {holds}) "
            "THEN 0 ELSE %s END), 0) FROM unnest(%s::float8[]) "
            "WITH ORDINALITY AS g(weight, i) WHERE EXISTS (SELECT 1 FROM "
            "unnest(%s::text[], %s::int[]) AS v(word, i) WHERE v.i = g.i "
            f"AND v.word {holds})) - %s * (SELECT count(*) "
            f"FROM unnest(string_to_array({name_sql}, ' ')) AS n(word) "
            "WHERE n.word <> ALL(%s::text[])))"
        )
        params = (
            readings,
            reading_group,
            *name_params,
            VARIANT_COST,
            weights,
            words,
            group,
            *name_params,
            EXTRA_WORD_COST,
            *name_params,
            words,
        )
        return sql, params


class _EdgesAsTyped(Func):
    """How many of the name's edges are as typed (any spelling): its first word the first
    typed word (the given name, which clerks type first: "galih rizal" before "Rizal Galih"),
    and, for two typed words or more, its last word the last typed word (the family or
    second name, kept when a middle name is left out: "citra hidayat" before "Citra Hidayat
    Putri" for "Citra Keisha Hidayat")."""

    output_field = IntegerField()

    def __init__(self, name: str, groups: list[WordGroup]) -> None:
        super().__init__(F(name))
        self.first = groups[0][2]
        self.last = groups[-1][2] if len(groups) > 1 else []

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:  # type: ignore[override]
        name_sql, name_params = compiler.compile(self.source_expressions[0])
        words = f"(string_to_array({name_sql}, ' '))"
        return (
            f"((split_part({name_sql}, ' ', 1) = ANY(%s::text[]))::int "
            f"+ (coalesce({words}[cardinality({words})], '') = ANY(%s::text[]))::int)",
            (*name_params, self.first, *name_params, *name_params, self.last),
        )


def _best_named(
    matches: QuerySet[M], groups: list[WordGroup], *, name: str, best_member: bool = False
) -> QuerySet[M]:
    """`matches` ranked best first: `found` (the typed words the name holds, in any order
    and any registered spelling, each weighing one plus its rarity, less a little for each
    other word), then `edges` (the first and last typed words first and last), then
    `closeness` (the whole name, so the spelling typed comes first); a household by its best
    matching member. The first NAME_SEARCH_LIMIT."""
    key = " ".join(word for word, *_ in groups)
    found: Any = _WordsFound(name, groups)
    edges: Any = _EdgesAsTyped(name, groups)
    closeness: Any = TrigramSimilarity(name, key)
    if best_member:
        found, edges, closeness = Max(found), Max(edges), Max(closeness)
    ranked = matches.annotate(found=found, edges=edges, closeness=closeness)
    return ranked.order_by("-found", "-edges", "-closeness", "pk")[:NAME_SEARCH_LIMIT]


def _name_candidates(
    groups: list[WordGroup],
    *,
    within: QuerySet[Household] | None,
    birth: tuple[date, date] | None = None,
) -> RawSQL:
    """Ids of at most NAME_CANDIDATES persons named like `tokens`, for `_best_named`.

    First the persons named exactly as typed (the index of equal names): for a common name
    (Siti, Muhammad Rizki) they are enough, and nothing else is read. Otherwise the persons
    whose name holds every typed word in one of its registered spellings (the GIN index of
    the name's words), the nearest whole names first among at most NAME_WORD_MATCHES of
    them. Only when fewer than NAME_FEW are found (a typed word the name lacks: the father's
    name after "bin", a spelling the registry does not know) the trigram index adds the
    names the typed words resemble; that scan is a MATERIALIZED CTE so that it is planned
    as read in full, i.e. on the trigram index. Each later step runs only when the earlier
    ones found too few (a one-time filter).
    """
    key = " ".join(word for word, *_ in groups)
    restriction, params = "", ()
    if within is not None:
        subquery, params = within.values("pk").query.sql_with_params()
        restriction = f"AND p.household_id IN ({subquery})"
    born_params: tuple[Any, ...] = ()
    if birth is not None:
        restriction += " AND p.birth_date BETWEEN %s AND %s"
        born_params = birth
    every_word = " AND ".join(
        "string_to_array(p.name_normalized, ' ') && %s::text[]" for _ in groups
    )
    operator = "%%>" if len(groups) > 1 else "%%>>"  # word_similarity / strict_word_similarity
    table = Person._meta.db_table
    # Only constants and Django-compiled SQL are formatted in; every value is a parameter.
    sql = (
        f"WITH exact AS MATERIALIZED (SELECT p.id, p.name_normalized FROM {table} p "  # noqa: S608
        f"WHERE p.name_normalized = %s {restriction} "
        "ORDER BY p.name_normalized, p.birth_date LIMIT %s), "
        f"words AS MATERIALIZED (SELECT p.id, p.name_normalized FROM {table} p "
        f"WHERE (SELECT count(*) FROM exact) < %s AND {every_word} {restriction} LIMIT %s), "
        "picked AS MATERIALIZED (SELECT id FROM (SELECT * FROM exact UNION SELECT * FROM words) "
        "AS c ORDER BY similarity(name_normalized, %s) DESC, id LIMIT %s), "
        f"matching AS MATERIALIZED (SELECT p.id FROM {table} p "
        f"WHERE p.name_normalized {operator} %s {restriction}) "
        "(SELECT id FROM picked) UNION ALL (SELECT id FROM matching "
        "WHERE (SELECT count(*) FROM picked) < %s AND id NOT IN (SELECT id FROM picked) "
        "LIMIT %s) LIMIT %s"
    )
    limit = NAME_CANDIDATES
    restricted = [*params, *born_params]
    values = [
        key,
        *restricted,
        limit,
        limit,
        *(spellings for _, _, spellings, _ in groups),
        *restricted,
        NAME_WORD_MATCHES,
        key,
        limit,
        key,
        *restricted,
        NAME_FEW,
        limit,
        limit,
    ]
    return RawSQL(sql, values)  # noqa: S611


def household_get(*, user: User | AnonymousUser, household_id: int) -> Household:
    """One household the user may see, or Http404."""
    return get_in_scope(
        Household.objects.select_related("kelurahan__kecamatan", "head"),
        user=user,
        kelurahan_field="kelurahan_id",
        pk=household_id,
    )


def members_in_order() -> QuerySet[Person]:
    """Persons in household order: living before deceased, then Dukcapil relationship order
    (head first), oldest first."""
    return Person.objects.annotate(
        relationship_order=Cast("relationship", IntegerField())
    ).order_by("is_deceased", "relationship_order", "birth_date", "pk")


def household_get_by_number(*, user: User | AnonymousUser, registry_number: str) -> Household:
    """The household with this registry number (any case, spaces and leading zeros as typed:
    "kds-123" is KDS-0000123) the user may see, or Http404 (the same answer for one outside
    their area)."""
    typed = "".join(registry_number.split()).upper()
    found = _REGISTRY_NUMBER.fullmatch(typed)
    return get_in_scope(
        Household.objects.all(),
        user=user,
        kelurahan_field="kelurahan_id",
        registry_number=f"KDS-{int(found[1]):07d}" if found else typed,
    )


def household_numbers(*, ids: Iterable[int]) -> dict[int, str]:
    """Registry numbers by household id, for rows that carry only the id (not scoped: the
    caller's rows already were)."""
    return dict(Household.objects.filter(pk__in=list(ids)).values_list("pk", "registry_number"))


def household_members(*, household: Household) -> QuerySet[Person]:
    """Current members, living first, head first, then oldest first."""
    return members_in_order().filter(household=household).prefetch_related("life_event_follow_ups")


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
    tokens = name_tokens(q)
    if not tokens or persons.query.is_empty():
        return persons.none()
    households = scope_queryset(Household.objects.all(), user=user, kelurahan_field="kelurahan_id")
    within = households if households.query.where else None
    groups = _word_groups(tokens)
    matches = persons.filter(pk__in=_name_candidates(groups, within=within))
    return _best_named(matches, groups, name="name_normalized")


def person_get_by_nik(*, user: User | AnonymousUser, nik: str) -> Person:
    """The person holding `nik`, if their household is in the user's scope, or Http404."""
    return get_in_scope(
        Person.objects.select_related("household__kelurahan__kecamatan"),
        user=user,
        kelurahan_field="household__kelurahan_id",
        nik=nik,
    )


def person_find_by_nik(*, user: User | AnonymousUser, nik: str) -> Person | None:
    """The person holding `nik` in the user's scope, or None (a form says so at its field)."""
    return (
        scope_queryset(
            Person.objects.select_related("household__kelurahan__kecamatan"),
            user=user,
            kelurahan_field="household__kelurahan_id",
        )
        .filter(nik=nik)
        .first()
    )


def person_in_scope(*, user: User | AnonymousUser, person_id: int) -> Person | None:
    """The person if their household is in the user's scope, else None."""
    return (
        scope_queryset(Person.objects.all(), user=user, kelurahan_field="household__kelurahan_id")
        .filter(pk=person_id)
        .first()
    )


# --- Poverty assessments and rulesets (14 parameters, Perwal Depok 31/2022) -----------------

# Validated rules per stored ruleset. A stored definition never changes (a new version is a
# new row), so (pk, version) identifies it; the cache is bounded because drafts come and go.
_RULES_CACHE: dict[tuple[int, str], scoring.Ruleset] = {}
_RULES_CACHE_SIZE = 32


def ruleset_rules(ruleset: Ruleset) -> scoring.Ruleset:
    """The validated, immutable rules of a stored ruleset."""
    key = (ruleset.pk, ruleset.version)
    rules = _RULES_CACHE.get(key)
    if rules is None:
        rules = scoring.load_ruleset(ruleset.definition)
        if len(_RULES_CACHE) >= _RULES_CACHE_SIZE:
            _RULES_CACHE.clear()
        _RULES_CACHE[key] = rules
    return rules


def parameter_label(parameter: scoring.Parameter) -> str:
    """A parameter's name in the page's language (the ruleset carries Indonesian and English)."""
    language = get_language() or ""
    return parameter.label_en if language.startswith("en") else parameter.label_id


def ruleset_active() -> Ruleset | None:
    """The ruleset new assessments are scored with (one at most, by constraint)."""
    return Ruleset.objects.filter(status=Ruleset.Status.ACTIVE).first()


def ruleset_list(*, user: User | AnonymousUser) -> QuerySet[Ruleset]:
    """Every version, newest first; the rules are city-wide, so only the permission counts."""
    if not user.is_authenticated or not user.has_perm("registry.view_ruleset"):
        return Ruleset.objects.none()
    return Ruleset.objects.select_related("activated_by").order_by("-created_at", "-pk")


def ruleset_get(*, user: User | AnonymousUser, ruleset_id: int) -> Ruleset:
    """One ruleset the user may see, or Http404."""
    ruleset = ruleset_list(user=user).filter(pk=ruleset_id).first()
    if ruleset is None:
        raise Http404
    return ruleset


def assessment_current(*, household: Household) -> Assessment | None:
    """The household's current assessment with its ruleset, or None if never assessed."""
    return (
        Assessment.objects.current()
        .select_related("ruleset", "assessor")
        .filter(household=household)
        .first()
    )


def assessment_history(*, household: Household) -> QuerySet[Assessment]:
    """Every assessment of the household, newest first (re-scorings included), each with
    `is_current`."""
    return (
        Assessment.objects.filter(household=household)
        .with_is_current()
        .select_related("ruleset", "assessor")
        .order_by("-created_at", "-pk")
    )


def assessment_explain(assessment: Assessment) -> list[str]:
    """The scoring module's explanation (Indonesian sentences) of a stored assessment.

    Recomputed from the stored answers under the stored ruleset version, which gives the
    stored score again: both are kept for exactly this.
    """
    rules = ruleset_rules(assessment.ruleset)
    try:
        result = scoring.score(rules, assessment.answers)
    except scoring.ScoringError:
        return []
    return scoring.explain(result, rules)
