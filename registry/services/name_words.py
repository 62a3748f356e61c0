"""The word-frequency table of registered names (`NameWord`), rebuilt in one statement."""

from __future__ import annotations

from django.db import connection, transaction

from registry.models import NameWord, Person


def name_words_refresh() -> int:
    """Recount every word of the normalised names of the registry; return the words kept.

    Set-based: one statement: a grouped scan of the names (seconds at city scale) brings the
    table to it (new words inserted, changed counts updated, vanished words deleted). Derived
    data, so no audit row. Run after imports and nightly.
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
