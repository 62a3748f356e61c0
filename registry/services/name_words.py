"""The word-frequency table of registered names (`NameWord`): recounted in full nightly, and
for the words of the names an import wrote as soon as the import has committed; and the
upkeep of the name indexes that the search reads."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import current_app
from django.db import connection, transaction

from registry.models import NameWord, Person

logger = logging.getLogger(__name__)

NAME_WORDS_RECOUNT_TASK = "registry.name_words_recount"
# Above this many words a recount costs more than the full one (a grouped scan of every
# name): each word is a lookup in the name-word index, a common one of 100,000 rows.
RECOUNT_MAX_WORDS = 2000


def name_words_refresh() -> int:
    """Recount every word of the normalised names of the registry; return the words kept.

    Set-based: one statement: a grouped scan of the names (seconds at city scale) brings the
    table to it (new words inserted, changed counts updated, vanished words deleted). Derived
    data, so no audit row. Run nightly, and for a large import in place of `name_words_recount`.
    """
    words, persons = NameWord._meta.db_table, Person._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH counts AS MATERIALIZED (SELECT word, count(*) AS persons "  # noqa: S608
            f"FROM {persons}, unnest(string_to_array(name_normalized, ' ')) AS word "
            "WHERE word <> '' GROUP BY word), "
            f"vanished AS (DELETE FROM {words} w WHERE NOT EXISTS "
            "(SELECT 1 FROM counts c WHERE c.word = w.word)) "
            f"INSERT INTO {words} (word, persons) SELECT word, persons FROM counts "
            "ON CONFLICT (word) DO UPDATE SET persons = EXCLUDED.persons "
            f"WHERE {words}.persons <> EXCLUDED.persons"
        )
        cursor.execute(f"SELECT count(*) FROM {words}")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else 0


# The GIN indexes of names. Rows written go first to an index's pending list, which every
# search reads in full until a vacuum merges it: after a large write, merge it at once.
NAME_INDEXES = ("person_name_trgm", "person_name_words")


def name_indexes_merge() -> None:
    """Merge the pending lists of the name indexes (tens of thousands of names after an
    import or a seed, which would otherwise cost every search a scan of them)."""
    with connection.cursor() as cursor:
        for index in NAME_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])


def name_words_recount(words: Iterable[str]) -> int:
    """Recount only `words` (the words of names just written); return how many were given.

    Set-based: each word's persons are counted on the name-word index, so a new word is
    searchable with its spellings and its rarity at once, without the full recount. A word
    no longer held by anyone is removed; a word an import took away from a renamed person
    keeps its old count until the nightly `name_words_refresh`. Many words: the full one.
    The name indexes' pending lists are merged first, as the names were just written.
    """
    given = sorted({word for word in words if word})
    name_indexes_merge()
    if len(given) > RECOUNT_MAX_WORDS:
        name_words_refresh()
        return len(given)
    table, persons = NameWord._meta.db_table, Person._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "WITH counts AS MATERIALIZED (SELECT g.word, (SELECT count(*) "  # noqa: S608
            f"FROM {persons} p WHERE string_to_array(p.name_normalized, ' ') @> ARRAY[g.word]) "
            "AS persons FROM unnest(%s::text[]) AS g(word)), "
            f"vanished AS (DELETE FROM {table} w USING counts c "
            "WHERE w.word = c.word AND c.persons = 0) "
            f"INSERT INTO {table} (word, persons) SELECT word, persons FROM counts "
            "WHERE persons > 0 ON CONFLICT (word) DO UPDATE SET persons = EXCLUDED.persons "
            f"WHERE {table}.persons <> EXCLUDED.persons",
            [given],
        )
    return len(given)


def name_words_recount_after_commit(words: Iterable[str]) -> None:
    """Queue `name_words_recount` of `words` as a job once the caller's transaction commits
    (an import's last step). A broker that cannot be reached fails nothing: the nightly
    recount catches up."""
    given = sorted({word for word in words if word})
    if not given:
        return

    def queue() -> None:
        try:
            # By name: the task lives in registry.tasks, which imports the imports.
            current_app.signature(NAME_WORDS_RECOUNT_TASK, args=[given]).apply_async()
        except Exception:
            logger.exception("the recount of %d name words could not be queued", len(given))

    transaction.on_commit(queue)
