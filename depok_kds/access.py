"""The one scoping primitive: which rows a user may see.

Selectors and services call `scope_queryset` (or `ensure_in_scope` for one object); views
never filter by role themselves. A request for a row outside the scope behaves as if the
row did not exist (404), so nothing leaks.

Rules:
- superusers and city-wide roles (Dinsos, auditor) see everything;
- a Puskesos officer sees rows whose kelurahan is one of theirs; data with no kelurahan
  path is hidden from them;
- an agency officer sees rows owned by their agency; data owned by no agency (the shared
  household registry, which they need to find applicants) is visible;
- leadership sees aggregates only: every row-level query is empty, and counts
  (`aggregate_queryset`, `aggregate_scope_for`) cover the whole city;
- an API client's service user is scoped by its own kelurahan/agency fields; with neither
  it sees nothing unless its key carries the explicit city-wide scope;
- a user with no role sees nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

from depok_kds.roles import AGGREGATE_ONLY_ROLES, CITY_WIDE_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

M = TypeVar("M", bound=Model)
# The API key scope that lets a client with neither an agency nor a kelurahan see the city.
CITY_WIDE_SCOPE = "city:all"


@dataclass(frozen=True)
class Scope:
    rows: bool
    kelurahan_codes: frozenset[str] | None = None  # None: every kelurahan
    agency_code: str | None = None  # None: every agency

    @property
    def city_wide(self) -> bool:
        return self.rows and self.kelurahan_codes is None and self.agency_code is None


NOTHING = Scope(rows=False)
EVERYTHING = Scope(rows=True)


def user_roles(user: User | AnonymousUser) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_kds_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user.__dict__["_kds_roles"] = cached  # per-request cache on the user object
    return cached


def user_roles_known(user: User, roles: Iterable[str]) -> None:
    """Give `user` the roles read together with it (an API key's one query), so that
    `user_roles` asks the database no more in this request."""
    user.__dict__["_kds_roles"] = frozenset(roles)


def scope_for(user: User | AnonymousUser) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    roles = user_roles(user)
    if roles & CITY_WIDE_ROLES:
        return EVERYTHING
    kelurahan: frozenset[str] | None = None
    agency: str | None = None
    if Role.PUSKESOS_OFFICER in roles:
        kelurahan = frozenset(user.kelurahan_codes)
    if Role.AGENCY_OFFICER in roles:
        agency = user.agency_code or "-"
    if Role.API_CLIENT in roles:
        kelurahan = frozenset(user.kelurahan_codes) if user.kelurahan_codes else kelurahan
        agency = user.agency_code or agency
    if kelurahan is not None or agency is not None:
        return Scope(rows=True, kelurahan_codes=kelurahan, agency_code=agency)
    if Role.API_CLIENT in roles:
        # A key with neither an agency nor a kelurahan sees the city only when it says so.
        client = getattr(user, "api_client", None)
        if client is not None and CITY_WIDE_SCOPE in client.scopes:
            return EVERYTHING
        return NOTHING
    if roles & AGGREGATE_ONLY_ROLES:
        return NOTHING
    return NOTHING


def scope_queryset(
    queryset: QuerySet[M],
    *,
    user: User | AnonymousUser,
    kelurahan_field: str | None = None,
    agency_field: str | None = None,
) -> QuerySet[M]:
    """Filter `queryset` to what `user` may see.

    `kelurahan_field` is the lookup path to the kelurahan code of each row (for example
    "household__kelurahan_id"); `agency_field` the path to the owning agency's code, for
    data an agency owns. Pass the paths the model has; omit the ones it has not.
    """
    return scope_narrowed(
        queryset, scope=scope_for(user), kelurahan_field=kelurahan_field, agency_field=agency_field
    )


def aggregate_scope_for(user: User | AnonymousUser) -> Scope:
    """What a user's *counts* may cover: their row scope, except that aggregate-only roles
    (leadership), which see no row, count over the whole city.

    For aggregates only (dashboard panels, reports): never list or fetch rows with it.
    """
    scope = scope_for(user)
    if scope.rows or not user.is_authenticated or not user.is_active:
        return scope
    return EVERYTHING if user_roles(user) & AGGREGATE_ONLY_ROLES else scope


def aggregate_queryset(
    queryset: QuerySet[M],
    *,
    user: User | AnonymousUser,
    kelurahan_field: str | None = None,
    agency_field: str | None = None,
) -> QuerySet[M]:
    """`queryset` narrowed to the rows `user` may count (`aggregate_scope_for`), with the
    paths of `scope_queryset`. Only to aggregate (count, sum, group by): never show its rows."""
    return scope_narrowed(
        queryset,
        scope=aggregate_scope_for(user),
        kelurahan_field=kelurahan_field,
        agency_field=agency_field,
    )


def scope_narrowed(
    queryset: QuerySet[M],
    *,
    scope: Scope,
    kelurahan_field: str | None = None,
    agency_field: str | None = None,
) -> QuerySet[M]:
    """`queryset` filtered to `scope` (`scope_queryset` with the user's scope already known):
    for a query built once per scope and kept (`depok_kds.prepared`)."""
    if not scope.rows:
        return queryset.none()
    filters: dict[str, Any] = {}
    if scope.kelurahan_codes is not None:
        if kelurahan_field is None:
            return queryset.none()
        filters[f"{kelurahan_field}__in"] = scope.kelurahan_codes
    if scope.agency_code is not None and agency_field is not None:
        filters[agency_field] = scope.agency_code
    return queryset.filter(**filters) if filters else queryset


def get_in_scope(
    queryset: QuerySet[M],
    *,
    user: User | AnonymousUser,
    kelurahan_field: str | None = None,
    agency_field: str | None = None,
    **lookup: Any,
) -> M:
    """One object the user may see, or Http404 (the same answer as a missing row)."""
    scoped = scope_queryset(
        queryset, user=user, kelurahan_field=kelurahan_field, agency_field=agency_field
    )
    try:
        return scoped.get(**lookup)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404 from exc


def may_see_pii(user: User | AnonymousUser) -> bool:
    """Whether full NIK / KK numbers may be shown (and then the view must be logged)."""
    if not user.is_authenticated:
        return False
    client = getattr(user, "api_client", None)
    if client is not None:
        return "pii:read" in client.scopes
    return user.has_perm("depok_kds.view_full_pii")
