"""Search: NIK lookups and name searches over a synthetic city, through `household_list`.

The city (`size` households, about 3.2 persons each) is seeded first and not timed. Then
NIK lookups and name searches run through `registry.selectors.household_list`, the query
the portal's search page makes, as a Dinsos operator (city-wide). Names are taken from
registered persons and typed the way clerks type them (another spelling, no title, a
middle name left out, lower case); `name_found_rate` is the share of searches whose
household is among the results, `name_found_rate_top20` on the first page (20), also with
the person's birth year typed beside the name (that second search is not timed). After a
few warm-up searches, each search is timed alone; `seconds` is the time of all the searches,
without the seed.
"""

from __future__ import annotations

import random
import secrets
import statistics
import time
from typing import Any

from django.db import connection

from benchmarks.harness import Context
from depok_kds.accounts import user_create
from depok_kds.roles import Role
from registry.models import Person
from registry.names import normalize_name
from registry.selectors import household_list
from registry.services import name_words_refresh
from registry.synthetic.load import synthetic_city_load
from registry.synthetic.names import typing_variant

DEFAULT_SIZE = 650_000
SMOKE_SIZE = 2000
NIK_LOOKUPS = 500
NAME_SEARCHES = 300
WARM_UP = 20
TOP = 20  # the first page of results


def run(ctx: Context) -> dict[str, Any]:
    synthetic_city_load(
        households=ctx.size, progress=lambda done, total: ctx.progress(done, total, "seed")
    )
    refresh_started = time.perf_counter()
    name_words_refresh()  # as after an import: the words of the names and their counts
    refresh_seconds = round(time.perf_counter() - refresh_started, 3)
    operator = user_create(
        username="bench.operator", password=secrets.token_urlsafe(), role=Role.DINSOS_OPERATOR
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
    hits = top20 = top20_born = 0
    for done, person in enumerate(sample[WARM_UP + NIK_LOOKUPS :], start=1):
        typed = typing_variant(rng, person.full_name)
        elapsed, rank = _search(operator, typed, person.household_id)
        name_ms.append(elapsed)
        hits += rank is not None
        top20 += rank is not None and rank < TOP
        _, rank = _search(operator, typed, person.household_id, born=person.birth_date.year)
        top20_born += rank is not None and rank < TOP
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
        "word_table_refresh_seconds": refresh_seconds,
        "persons": Person.objects.count(),
        "limit_p95_ms": limit,
        "ratio_to_limit": {
            "nik": round(_percentile(nik_ms, 95) / max(limit["nik"], 0.1), 1),
            "name": round(_percentile(name_ms, 95) / max(limit["name"], 0.1), 1),
        },
    }


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
    operator: Any, query: str, household_id: int | None, *, born: int | None = None
) -> tuple[float, int | None]:
    """The time of one search and the place of the household in its results (0 is first)."""
    started = time.perf_counter()
    ids = [household.pk for household in household_list(user=operator, q=query, born=born)]
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, ids.index(household_id) if household_id in ids else None


def _percentile(values: list[float], percent: int) -> float:
    return round(statistics.quantiles(values, n=100, method="inclusive")[percent - 1], 1)
