"""Hot reads compiled once and run as prepared statements.

The API's NIK lookup and household detail are one query each, but building that query (the
ORM compiling twenty-odd expressions to SQL) and PostgreSQL planning it cost several times
what running it does. A `PreparedValues` compiles a `.values()` queryset once, with a marker
where the one value that changes per call goes, and runs it as a prepared statement: per
call only the value is sent, and the server reuses its plan. The rows are what the queryset
itself would give (the same SQL, the same converters, the same names).

Prepared statements live on the database connection (psycopg prepares one the first time it
runs on a connection, again on a new one), so a pooler in front of PostgreSQL must keep
them per client connection (as PgBouncer does from 1.21, or session pooling).
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.db import connections
from django.db.models import Model, QuerySet
from django.http import Http404
from psycopg.abc import Params, Query

# psycopg prepares a statement run this many times even unasked: never, in effect.
_NEVER_OF_ITSELF = 2**31
# A stand-in for the id a prepared read is run with (no stored id is negative).
ID_MARKER = -17_000_000_017
# How many compiled forms of one read (one per reader's scope) a process keeps.
FORMS_KEPT = 256


class _PreparingCursor(psycopg.Cursor[Any]):
    """A cursor with server-side binding that prepares every statement it runs (Django's
    own cursors bind parameters client-side, which cannot prepare)."""

    def execute(
        self,
        query: Query,
        params: Params | None = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> _PreparingCursor:
        # Django passes SQL text and its parameters here, never a template.
        super().execute(query, params, prepare=True, binary=binary)  # type: ignore[arg-type]
        return self


class PreparedValues:
    """`queryset` (a `.values()` queryset) compiled once; `rows(value)` runs it with `value`
    where `marker` stood. `marker` must appear exactly once among the query's parameters."""

    def __init__(self, queryset: QuerySet[Any], *, marker: object) -> None:
        query = queryset.query
        self.alias = queryset.db
        self.empty = query.is_empty()
        if self.empty:
            return
        self.compiler = query.get_compiler(self.alias)
        sql, params = self.compiler.as_sql()
        found = [index for index, param in enumerate(params) if param == marker]
        if len(found) != 1:
            raise ValueError(f"The marker is {len(found)} of the query's parameters, not one.")
        self.sql, self.params, self.at = sql, list(params), found[0]
        fields = [selected[0] for selected in self.compiler.select[: self.compiler.col_count]]
        self.converters = self.compiler.get_converters(fields)
        # As `QuerySet.values()` names a row's values.
        self.names = (
            list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select]
        )

    def rows(self, value: object) -> list[dict[str, Any]]:
        if self.empty:
            return []
        params = self.params.copy()
        params[self.at] = value
        connection = connections[self.alias]
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        raw = connection.connection
        if raw.prepare_threshold is None:
            # Django opens connections with psycopg's preparing off. Only cursors that bind
            # parameters server-side can prepare, and only this module's do: with a
            # threshold set, they prepare what they run (`prepare=True`), nothing else does.
            raw.prepare_threshold = _NEVER_OF_ITSELF
        with connection.wrap_database_errors:
            # Wrapped as Django wraps its own cursors: errors as Django's, queries counted
            # and logged where Django counts and logs them.
            cursor = connection._prepare_cursor(  # type: ignore[attr-defined]
                _PreparingCursor(raw)
            )
        with cursor:
            cursor.execute(self.sql, params)
            found: Any = cursor.fetchall()
        if self.converters:
            found = self.compiler.apply_converters(found, self.converters)
        return [dict(zip(self.names, row, strict=True)) for row in found]

    def one(self, value: object, model: type[Model]) -> dict[str, Any]:
        """The one row for `value`, as `get()` gives it (the query asks for at most two):
        Http404 when there is none, the model's MultipleObjectsReturned when more."""
        found = self.rows(value)
        if not found:
            raise Http404
        if len(found) > 1:
            raise model.MultipleObjectsReturned  # type: ignore[attr-defined]
        return found[0]
