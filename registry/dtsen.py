"""DTSEN desil: linking imported rankings to the registry, and a household's desil history.

A `DesilRecord` is the national ranking of a person (by NIK) or a family (by No. KK) from
its quarter on: it holds until a later record of the same NIK and No. KK replaces it. A new
quarter therefore writes only the rankings that changed; an unchanged one is not written
again, and a ranking missing from a quarter's file is not ended (a quarter may come in
several files, so absence from one says nothing). The rankings in force at a period are
each identity's latest record up to it (`IN_FORCE`). Records are kept whether or not they
match anyone, and never deleted: they are the history. Matching links a record to the
person holding the NIK (and so their household) or to the household holding the No. KK as
its open card; a record that matched nobody is tried again whenever people or cards are
imported.

A household's desil at a period is decided among its rankings in force then
(`DECIDING_RANKING`): a family ranking (by No. KK) wins over a person's; among person
rankings the head's wins, then the poorest (lowest) desil, so that nobody loses aid
eligibility because a better-off member was ranked separately. `Household.desil` and
`desil_period` are the current ones: the deciding ranking's desil and the quarter it holds
from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import Lead
from django.utils import timezone

from registry.models import DesilRecord
from registry.selectors import household_get

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

# The records to try are named by a set joined in (never a per-row `= ANY(array)` test, which
# costs rows x array length): every unmatched record, one import job's, or those of the NIKs /
# No. KKs given, unnested into a relation the planner can hash.
MATCH_BY_NIK = """
    UPDATE registry_desilrecord r SET person_id = p.id, household_id = p.household_id
    FROM {wanted} JOIN registry_person p ON p.nik = w.key
    WHERE r.person_id IS NULL AND r.nik <> '' AND r.nik = w.key
      AND (%(job)s::bigint IS NULL OR r.job_id = %(job)s)
    RETURNING r.household_id
"""
MATCH_BY_KK = """
    UPDATE registry_desilrecord r SET household_id = c.household_id
    FROM {wanted} JOIN registry_familycard c ON c.number = w.key AND c.valid_to IS NULL
    WHERE r.household_id IS NULL AND r.kk_number <> '' AND r.kk_number = w.key
      AND (%(job)s::bigint IS NULL OR r.job_id = %(job)s)
    RETURNING r.household_id
"""
# The same rule for rankings about to be written (an import's staged rows, whose NIK and
# No. KK are the SQL expressions {nik} and {kk}, '' when not given): the person
# (`LINKED_PERSON`) and household (`LINKED_HOUSEHOLD`) the two passes above would give, as
# scalar subqueries (an index probe each). Put under a CASE they look up only the rows that
# need them: most rows of a quarter repeat the ranking in force and are never written, and
# joining all of them with every person and card costs more than probing the few that are.
LINKED_PERSON = "(SELECT p.id FROM registry_person p WHERE {nik} <> '' AND p.nik = {nik})"
LINKED_HOUSEHOLD = """coalesce(
    (SELECT p.household_id FROM registry_person p WHERE {nik} <> '' AND p.nik = {nik}),
    (SELECT c.household_id FROM registry_familycard c
     WHERE {kk} <> '' AND c.number = {kk} AND c.valid_to IS NULL))"""
# A stored ranking `r` written again with such a link: matched by NIK if it was not yet, else
# its household filled in if it had none.
LINK_KEPT = """
    person_id = coalesce(r.person_id, EXCLUDED.person_id),
    household_id = CASE WHEN r.person_id IS NULL AND EXCLUDED.person_id IS NOT NULL
        THEN EXCLUDED.household_id ELSE coalesce(r.household_id, EXCLUDED.household_id) END
"""
WANTED_GIVEN = "(SELECT DISTINCT unnest(%(keys)s::text[]) AS key) w"
WANTED_UNMATCHED = (
    "(SELECT DISTINCT {column} AS key FROM registry_desilrecord"
    " WHERE {unmatched} IS NULL AND {column} <> '') w"
)
# The quarter after a period 'YYYYQn' (an SQL expression over the period `{period}`).
NEXT_PERIOD = (
    "(CASE WHEN right({period}, 1) = '4' THEN (left({period}, 4)::int + 1)::text || 'Q1'"
    " ELSE left({period}, 5) || (right({period}, 1)::int + 1)::text END)"
)
# The rankings of a household `hh` in force up to a period (`{upto}`: an SQL condition on
# r.period, or nothing for the current ones): each identity's latest record.
IN_FORCE = """
    SELECT DISTINCT ON (r.nik, r.kk_number) r.* FROM registry_desilrecord r
    WHERE r.household_id = hh.id {upto}
    ORDER BY r.nik, r.kk_number, r.period DESC
"""
# Which of them decides (see the module docstring); the latest quarter breaks a tie.
RANKING_ORDER = (
    "(r.nik = '') DESC, (r.person_id IS NOT DISTINCT FROM hh.head_id) DESC, r.desil ASC,"
    " r.period DESC"
)
DECIDING_RANKING = f"""
    SELECT r.desil, r.period FROM ({IN_FORCE}) r ORDER BY {RANKING_ORDER} LIMIT 1
"""  # noqa: S608 - built from this module's constants


def quarter_before(period: str) -> str:
    """The quarter before a period 'YYYYQn' (as `NEXT_PERIOD` counts the other way)."""
    year, quarter = int(period[:4]), int(period[5])
    return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"


def deciding_desil_sql(upto: str = "") -> str:
    """A scalar subquery: the desil of household `hh` decided by its rankings in force up to
    `upto` (an SQL condition on r.period; none: the current ones)."""
    return f"(SELECT d.desil FROM ({DECIDING_RANKING.format(upto=upto)}) d)"  # noqa: S608


REFRESH_BLOCK = 20_000
# The households named (joined in, as above): each one's deciding ranking now, none when it
# has no record left; only households whose desil or its quarter changed are written.
REFRESH = f"""
    WITH wanted AS (SELECT DISTINCT unnest(%(ids)s::bigint[]) AS id)
    UPDATE registry_household h
    SET desil = latest.desil, desil_period = coalesce(latest.period, ''), updated_at = %(now)s
    FROM wanted w
    JOIN registry_household hh ON hh.id = w.id
    LEFT JOIN LATERAL ({DECIDING_RANKING.format(upto="")}) latest ON true
    WHERE h.id = w.id
      AND (h.desil, h.desil_period) IS DISTINCT FROM (latest.desil, coalesce(latest.period, ''))
"""  # noqa: S608 - built from this module's constants
FOLLOW_PERSONS = """
    UPDATE registry_desilrecord r SET household_id = p.household_id
    FROM registry_person p
    WHERE r.person_id = p.id AND p.id = ANY(%(ids)s) AND r.nik <> ''
      AND r.household_id IS DISTINCT FROM p.household_id
"""


@dataclass(frozen=True)
class QuarterImported:
    """Desil rankings of these periods were written by an import job (and matched)."""

    periods: tuple[str, ...]
    job_id: int
    actor: User | None


QuarterHandler = Callable[[QuarterImported], None]
QUARTER_HANDLERS: list[QuarterHandler] = []


def quarter_imported_handler_register(handler: QuarterHandler) -> None:
    """Add a handler called after every desil import (the registry knows nothing of the
    programmes that act on a new quarter); a handler queues its work after commit."""
    if handler not in QUARTER_HANDLERS:
        QUARTER_HANDLERS.append(handler)


def quarter_imported_notify(event: QuarterImported) -> None:
    for handler in QUARTER_HANDLERS:
        handler(event)


@transaction.atomic
def desil_records_match(
    *,
    niks: Sequence[str] | None = None,
    kks: Sequence[str] | None = None,
    job_id: int | None = None,
) -> int:
    """Link unmatched records (of these NIKs / No. KKs, or of one import job, or all) to the
    registry, and refresh the desil of every household that gained one; return that count.

    With neither `niks` nor `kks` every unmatched record is tried; an empty list tries none.
    """
    everything = niks is None and kks is None
    passes = (
        (MATCH_BY_NIK, "nik", "person_id", niks),
        (MATCH_BY_KK, "kk_number", "household_id", kks),
    )
    household_ids: set[int] = set()
    with connection.cursor() as cursor:
        for statement, column, unmatched, keys in passes:
            if everything:
                wanted = WANTED_UNMATCHED.format(column=column, unmatched=unmatched)
            elif keys:
                wanted = WANTED_GIVEN
            else:
                continue
            cursor.execute(
                statement.format(wanted=wanted), {"keys": list(keys or []), "job": job_id}
            )
            household_ids.update(row[0] for row in cursor.fetchall() if row[0] is not None)
    return household_desil_refresh(household_ids=sorted(household_ids))


@transaction.atomic
def desil_follow_members(*, person_ids: Sequence[int], household_ids: Sequence[int]) -> int:
    """After members moved (a move, a pecah KK): their own rankings (by NIK) go with them,
    and the households they left and joined get their desil again; return how many changed."""
    with connection.cursor() as cursor:
        cursor.execute(FOLLOW_PERSONS, {"ids": list(person_ids)})
    return household_desil_refresh(household_ids=household_ids)


@transaction.atomic
def household_desil_refresh(*, household_ids: Sequence[int]) -> int:
    """Set each household's current desil from its rankings in force (none left: no desil);
    return how many changed."""
    ids, now, changed = sorted(set(household_ids)), timezone.now(), 0
    with connection.cursor() as cursor:
        # A whole quarter names every household: in blocks of neighbours, each statement's
        # sorts and hashes stay in memory and its records and households are read together.
        for start in range(0, len(ids), REFRESH_BLOCK):
            cursor.execute(REFRESH, {"ids": ids[start : start + REFRESH_BLOCK], "now": now})
            changed += int(cursor.rowcount)
    return changed


def desil_history(*, user: User | AnonymousUser, household_id: int) -> QuerySet[DesilRecord]:
    """The DTSEN rankings of a household the user may see (Http404 otherwise), newest first;
    each with `replaced_in`, the period of the next record of its NIK and No. KK (None: it
    holds still)."""
    household = household_get(user=user, household_id=household_id)
    following = Window(
        Lead("period"), partition_by=[F("nik"), F("kk_number")], order_by=F("period").asc()
    )
    return (
        DesilRecord.objects.filter(household=household)
        .annotate(replaced_in=following)
        .select_related("person")
        .order_by("-period", "kk_number", "person__full_name", "pk")
    )
