"""Search: NIK lookups and name searches over a synthetic city, through `household_list`.

The city (`size` households, about 3.2 persons each) is seeded first and not timed. Then
NIK lookups and name searches run through `registry.selectors.household_list`, the query
the portal's search page makes, as a Dinsos operator (city-wide). Names are taken from
registered persons and typed the way clerks type them (another spelling, no title, a
middle name left out, lower case); `name_found_rate` is the share of searches whose
household is among the results, `name_found_rate_top20` on the first page (20), also with
one narrowing field beside the name: the birth year (`_birth_year`), the full birth date
(`_birth_date`) or the kelurahan's name (`_kelurahan`); those searches are not timed. After a
few warm-up searches, each search is timed alone; `seconds` is the time of all the searches,
without the seed.

Misses are counted by kind (`name_misses_by_kind`): what the clerk changed ("spelling",
"title", "middle", "lower") and what the registered name is ("one_word", "old_spelling",
"bin"). A search is `ambiguous` when at least 20 other households hold a member whose
normalised name is the wanted person's or exactly the typed one: by the name alone, no
ranking can promise the wanted household a place on the first page, and
`name_found_rate_top20_unambiguous` is the rate over the other searches.

A database that already holds a seeded city of `size` households (a copy of one kept with
`--keep`, given as `--template`) is searched as it is, without seeding again.
"""

from __future__ import annotations

import random
import secrets
import statistics
import time
from collections import Counter
from datetime import date
from typing import Any

from django.db import connection

from benchmarks.harness import Context
from benchmarks.seeding import synthetic_city
from depok_kds.accounts import user_create
from depok_kds.models import User
from depok_kds.roles import Role
from registry.models import Person
from registry.names import normalize_name
from registry.selectors import household_list
from registry.services import name_indexes_merge, name_words_refresh
from registry.synthetic.names import typing_variant, typing_variant_kinds

DEFAULT_SIZE = 650_000
SMOKE_SIZE = 2000
NIK_LOOKUPS = 500
NAME_SEARCHES = 300
WARM_UP = 20
TOP = 20  # the first page of results


def run(ctx: Context) -> dict[str, Any]:
    synthetic_city(ctx)
    refresh_started = time.perf_counter()
    name_indexes_merge()  # as after an import: the name indexes merged, the words counted
    name_words_refresh()
    refresh_seconds = round(time.perf_counter() - refresh_started, 3)
    operator = User.objects.filter(username=OPERATOR).first() or user_create(
        username=OPERATOR, password=secrets.token_urlsafe(), role=Role.DINSOS_OPERATOR
    )
    rng = random.Random(2026)
    sample = _sample_persons(rng, NIK_LOOKUPS + NAME_SEARCHES + WARM_UP)
    started = time.perf_counter()
    for person in sample[:WARM_UP]:
        list(household_list(user=operator, q=person.full_name))
    nik_ms: list[float] = []
    for done, person in enumerate(sample[WARM_UP : WARM_UP + NIK_LOOKUPS], start=1):
        elapsed, rank = _search(operator, person.nik or "", person.household_id)
        if rank is None:
            raise RuntimeError(f"NIK lookup did not find household {person.household_id}")
        nik_ms.append(elapsed)
        ctx.progress(done, NIK_LOOKUPS, "NIK lookups")
    name_ms: list[float] = []
    hits = top20 = top20_born = top20_date = top20_kelurahan = ambiguous = top20_unambiguous = 0
    misses: Counter[str] = Counter()
    misses_born: Counter[str] = Counter()
    kelurahans = dict(  # the kelurahan's name of each searched person's household
        Person.objects.filter(pk__in=[p.pk for p in sample]).values_list(
            "pk", "household__kelurahan__name"
        )
    )
    for done, person in enumerate(sample[WARM_UP + NIK_LOOKUPS :], start=1):
        typed, changes = typing_variant_kinds(rng, person.full_name)
        elapsed, rank = _search(operator, typed, person.household_id)
        name_ms.append(elapsed)
        hits += rank is not None
        found = rank is not None and rank < TOP
        top20 += found
        kinds = _kinds(person, changes)
        if _ambiguous(person, typed):
            ambiguous += 1
            kinds.append("ambiguous")
        else:
            top20_unambiguous += found
        misses.update([] if found else kinds)
        _, rank = _search(operator, typed, person.household_id, born=person.birth_date.year)
        top20_born += rank is not None and rank < TOP
        misses_born.update([] if rank is not None and rank < TOP else kinds)
        top20_date += _found(_search(operator, typed, person.household_id, born=person.birth_date))
        top20_kelurahan += _found(
            _search(operator, typed, person.household_id, kelurahan_name=kelurahans[person.pk])
        )
        ctx.progress(done, NAME_SEARCHES, "name searches")
    limit_nik_ms = [
        _plain(NIK_LIMIT, person.nik or "") for person in sample[WARM_UP : WARM_UP + NIK_LOOKUPS]
    ]
    limit_name_ms = [
        _plain(NAME_LIMIT, normalize_name(typing_variant(rng, person.full_name)))
        for person in sample[WARM_UP + NIK_LOOKUPS :]
    ]
    limit = {"nik": _percentile(limit_nik_ms, 95), "name": _percentile(limit_name_ms, 95)}
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "nik_p95_ms": _percentile(nik_ms, 95),
        "name_p95_ms": _percentile(name_ms, 95),
        "nik_p50_ms": _percentile(nik_ms, 50),
        "name_p50_ms": _percentile(name_ms, 50),
        "name_max_ms": round(max(name_ms), 1),
        "name_found_rate": round(hits / len(name_ms), 3),
        "name_found_rate_top20": round(top20 / len(name_ms), 3),
        "name_found_rate_top20_birth_year": round(top20_born / len(name_ms), 3),
        "name_found_rate_top20_birth_date": round(top20_date / len(name_ms), 3),
        "name_found_rate_top20_kelurahan": round(top20_kelurahan / len(name_ms), 3),
        "name_ambiguous_rate": round(ambiguous / len(name_ms), 3),
        "name_found_rate_top20_unambiguous": round(
            top20_unambiguous / max(len(name_ms) - ambiguous, 1), 3
        ),
        "name_misses_by_kind": dict(misses.most_common()),
        "name_misses_by_kind_birth_year": dict(misses_born.most_common()),
        "word_table_refresh_seconds": refresh_seconds,
        "persons": Person.objects.count(),
        "limit_p95_ms": limit,
        "ratio_to_limit": {
            "nik": round(_percentile(nik_ms, 95) / max(limit["nik"], 0.1), 1),
            "name": round(_percentile(name_ms, 95) / max(limit["name"], 0.1), 1),
        },
    }


OPERATOR = "bench.operator"
OLD_SPELLING = ("oe", "dj", "tj")


def _kinds(person: Person, changes: tuple[str, ...]) -> list[str]:
    """What the clerk changed, and what makes the registered name hard to find."""
    words = person.full_name.split(",")[0].lower().split()
    kinds = list(changes)
    kinds += ["one_word"] if len(person.name_normalized.split()) == 1 else []
    kinds += ["old_spelling"] if any(m in w for w in words for m in OLD_SPELLING) else []
    kinds += ["bin"] if {"bin", "binti"} & set(words) else []
    return kinds or ["as_registered"]


def _ambiguous(person: Person, typed: str) -> bool:
    """At least TOP other households hold a member named exactly like the wanted person or
    exactly as typed (after normalisation): the name alone cannot tell them apart."""
    names = {person.name_normalized, normalize_name(typed)}
    others = (
        Person.objects.filter(name_normalized__in=names)
        .exclude(household=person.household_id)
        .values("household_id")
        .distinct()[:TOP]
    )
    return len(others) >= TOP


# The limits: the plain indexed query that finds the same households, unscoped and unranked
# (the NIK index; the trigram index of normalised names, as many rows as a search reads).
NIK_LIMIT = "SELECT household_id FROM registry_person WHERE nik = %s"
NAME_LIMIT = (
    "SELECT DISTINCT household_id FROM registry_person WHERE name_normalized %%> %s LIMIT 200"
)


def _plain(statement: str, value: str) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(statement, [value])
        cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def _sample_persons(rng: random.Random, count: int) -> list[Person]:
    """Random living persons with a NIK, picked by id without scanning the table."""
    bounds = Person.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    if low is None or high is None:
        raise RuntimeError("no persons to search for: the seed wrote none")
    picked: dict[int, Person] = {}
    while len(picked) < count:
        ids = [rng.randint(low, high) for _ in range(count * 2)]
        found = Person.objects.filter(pk__in=ids, nik__isnull=False, is_deceased=False)
        picked.update((person.pk, person) for person in found)
    return [picked[pk] for pk in rng.sample(sorted(picked), count)]


def _search(
    operator: Any,
    query: str,
    household_id: int | None,
    *,
    born: int | date | None = None,
    kelurahan_name: str = "",
) -> tuple[float, int | None]:
    """The time of one search and the place of the household in its results (0 is first)."""
    started = time.perf_counter()
    found = household_list(user=operator, q=query, born=born, kelurahan_name=kelurahan_name)
    ids = [household.pk for household in found]
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, ids.index(household_id) if household_id in ids else None


def _found(search: tuple[float, int | None]) -> bool:
    """Whether a search (`_search`) has its household on the first page."""
    rank = search[1]
    return rank is not None and rank < TOP


def _percentile(values: list[float], percent: int) -> float:
    return round(statistics.quantiles(values, n=100, method="inclusive")[percent - 1], 1)
