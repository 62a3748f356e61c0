from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from depok_kds.access import EVERYTHING, NOTHING, Scope, scope_narrowed
from depok_kds.models import User
from depok_kds.prepared import PreparedValues
from registry.household_details import _households, household_detail_row
from tests.registry.factories import KELURAHAN_DEPOK, KELURAHAN_TUGU, household_registered

pytestmark = pytest.mark.django_db

MARKER = -17


def _prepared(scope: Scope) -> PreparedValues:
    scoped = scope_narrowed(_households(), scope=scope, kelurahan_field="kelurahan_id")
    return PreparedValues(scoped.filter(pk=MARKER), marker=MARKER)


def test_rows_are_what_the_queryset_gives_with_the_value_in_the_markers_place() -> None:
    households = [
        household_registered(1),
        household_registered(2, kelurahan=KELURAHAN_TUGU),
    ]
    prepared = _prepared(EVERYTHING)

    for household in households:
        expected = list(_households().filter(pk=household.pk))
        assert prepared.rows(household.pk) == expected
        assert expected[0]["hh_members"] and expected[0]["hh_current_assessment"] is None
    assert prepared.rows(households[-1].pk + 1000) == []


def test_the_scope_is_in_the_statement() -> None:
    depok, tugu = (
        household_registered(1),
        household_registered(2, kelurahan=KELURAHAN_TUGU),
    )
    prepared = _prepared(Scope(rows=True, kelurahan_codes=frozenset({KELURAHAN_DEPOK})))

    assert [row["hh_id"] for row in prepared.rows(depok.pk)] == [depok.pk]
    assert prepared.rows(tugu.pk) == []
    assert _prepared(NOTHING).rows(depok.pk) == []


def test_it_runs_as_one_prepared_statement_counted_as_a_query() -> None:
    household = household_registered(1)
    prepared = _prepared(EVERYTHING)

    with CaptureQueriesContext(connection) as queries:
        prepared.rows(household.pk)
        prepared.rows(household.pk)
    assert len(queries) == 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%"registry_household"."id" = $%'],
        )
        assert cursor.fetchone()[0] >= 1


def test_a_marker_not_found_once_is_refused() -> None:
    with pytest.raises(ValueError, match="0 of the query's parameters"):
        PreparedValues(_households().filter(pk=1), marker=MARKER)


def test_a_user_with_no_role_finds_no_household() -> None:
    household = household_registered(1)
    nobody = User.objects.create(username="nobody")

    with pytest.raises(Http404):
        household_detail_row(user=nobody, household_id=household.pk)
