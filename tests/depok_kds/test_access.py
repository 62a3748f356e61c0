"""The scoping primitive, tried with every persona."""

from __future__ import annotations

import pytest
from django.http import Http404

from depok_kds.access import (
    Scope,
    aggregate_queryset,
    aggregate_scope_for,
    get_in_scope,
    may_see_pii,
    scope_for,
    scope_queryset,
)
from depok_kds.models import User

pytestmark = pytest.mark.django_db


def test_city_wide_roles_see_everything(dinsos_operator, dinsos_admin, auditor_user):
    for user in (dinsos_operator, dinsos_admin, auditor_user):
        assert scope_for(user).city_wide


def test_puskesos_officer_sees_only_own_kelurahan(puskesos_a, puskesos_b):
    users = User.objects.all()
    visible = scope_queryset(users, user=puskesos_a, kelurahan_field="kelurahan_codes__0")
    assert set(visible) == {puskesos_a}


def test_kelurahan_scoped_user_sees_nothing_without_a_kelurahan_path(puskesos_a):
    assert not scope_queryset(User.objects.all(), user=puskesos_a).exists()


def test_agency_officer_sees_own_agency_rows_and_shared_rows(dinkes_officer, disrumkim_officer):
    owned = scope_queryset(User.objects.all(), user=dinkes_officer, agency_field="agency_code")
    assert set(owned) == {dinkes_officer}
    shared = scope_queryset(User.objects.all(), user=dinkes_officer)
    assert set(shared) == {dinkes_officer, disrumkim_officer}


def test_leadership_sees_no_rows(leader):
    assert not scope_queryset(User.objects.all(), user=leader).exists()
    assert not may_see_pii(leader)


def test_user_without_role_sees_nothing(db):
    nobody = User.objects.create_user("nobody", password="x-pass-12345")
    assert not scope_for(nobody).rows


def test_out_of_scope_object_is_a_404(puskesos_a, puskesos_b):
    with pytest.raises(Http404):
        get_in_scope(
            User.objects.all(),
            user=puskesos_a,
            kelurahan_field="kelurahan_codes__0",
            pk=puskesos_b.pk,
        )


def test_api_client_pii_follows_its_scope(api_client_factory):
    plain, _ = api_client_factory(["registry:read"])
    pii, _ = api_client_factory(["registry:read", "pii:read"])
    assert not may_see_pii(plain.user)
    assert may_see_pii(pii.user)


def test_api_client_can_be_limited_to_an_agency(api_client_factory):
    client, _ = api_client_factory(["programs:read"], agency_code="DINKES")
    assert scope_for(client.user).agency_code == "DINKES"


def test_counts_cover_the_city_for_leadership_and_the_row_scope_for_others(
    leader, dinkes_officer, puskesos_a, dinsos_operator
):
    users = User.objects.all()
    assert aggregate_scope_for(leader).city_wide
    assert aggregate_queryset(users, user=leader).count() == users.count()
    assert not scope_queryset(users, user=leader).exists()  # rows stay hidden
    assert aggregate_scope_for(dinkes_officer) == scope_for(dinkes_officer)
    assert aggregate_scope_for(puskesos_a) == scope_for(puskesos_a)
    assert aggregate_scope_for(dinsos_operator).city_wide
    owned = aggregate_queryset(users, user=dinkes_officer, agency_field="agency_code")
    assert set(owned) == {dinkes_officer}


def test_counts_cover_nothing_for_a_user_without_role(db):
    nobody = User.objects.create_user("nobody", password="x-pass-12345")
    assert not aggregate_scope_for(nobody).rows
    assert not aggregate_queryset(User.objects.all(), user=nobody).exists()


def test_an_api_client_with_no_agency_or_kelurahan_sees_nothing_unless_city_wide(
    api_client_factory,
):
    unscoped, _ = api_client_factory(["registry:read"], city_wide=False)
    assert scope_for(unscoped.user) == Scope(rows=False)
    city, _ = api_client_factory(["registry:read"])
    assert "city:all" in city.scopes and scope_for(city.user).city_wide
    agency, _ = api_client_factory(["registry:read"], agency_code="DINKES")
    assert scope_for(agency.user).agency_code == "DINKES"
