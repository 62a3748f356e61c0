"""Households as the API shows them, each read in one query of plain values.

A household's detail (its fields, kelurahan and kecamatan names, open No. KK, current
assessment and members in household order) is one row: the members come as a JSON array
of a subquery, not as a second query of model instances. These are the registry's most
called reads (every NIK lookup and household detail of the API), so they skip building
model instances and serializers, and run as prepared statements compiled once per reader's
scope (`depok_kds.prepared`): neither the ORM nor PostgreSQL builds them again per call.
Scoped like every selector: out of scope is a 404.
`registry.api.serializers` turns the rows into the API's output.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, JSONField, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject

from depok_kds.access import Scope, scope_for, scope_narrowed
from depok_kds.prepared import FORMS_KEPT, ID_MARKER, PreparedValues
from registry.models import Assessment, FamilyCard, Household, Person
from registry.selectors import members_in_order

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

# A member's fields, in the API's order (`MemberSerializer`).
MEMBER_FIELDS = (
    "id",
    "nik",
    "nik_status",
    "full_name",
    "sex",
    "birth_place",
    "birth_date",
    "relationship",
    "marital_status",
    "education",
    "occupation",
    "disability",
    "is_deceased",
    "death_date",
)
# The household's own columns the API shows; each row names them with HOUSEHOLD_PREFIX.
HOUSEHOLD_COLUMNS = (
    "id",
    "registry_number",
    "kelurahan_id",
    "rw",
    "rt",
    "address",
    "status",
    "head_id",
    "poverty_class",
    "poverty_score",
    "assessed_on",
    "desil",
    "desil_period",
)
# Household values in a row are named `hh_<name>`: a person's row holds its own fields
# beside its household's (and a person's `household_id` is a field of its own).
HOUSEHOLD_PREFIX = "hh_"


def _household_values(path: str) -> dict[str, Any]:
    """The expressions of what the API shows of the household at `path` ("" from a
    household, "household__" from a person), named HOUSEHOLD_PREFIX + what."""
    own = OuterRef(f"{path}id" if path else "pk")
    card = FamilyCard.objects.filter(household_id=own, valid_to__isnull=True)
    assessment = Assessment.objects.current().filter(household_id=own)
    summary = JSONObject(
        poverty_class="poverty_class",
        score="score",
        max_score="max_score",
        assessed_on="assessed_on",
        ruleset_version="ruleset__version",
        is_provisional="ruleset__is_provisional",
    )
    members = members_in_order().filter(household_id=own)
    values: dict[str, Any] = {
        f"{HOUSEHOLD_PREFIX}{column}": F(f"{path}{column}") for column in HOUSEHOLD_COLUMNS
    }
    return {
        **values,
        f"{HOUSEHOLD_PREFIX}kelurahan_name": F(f"{path}kelurahan__name"),
        f"{HOUSEHOLD_PREFIX}kecamatan_name": F(f"{path}kelurahan__kecamatan__name"),
        f"{HOUSEHOLD_PREFIX}open_kk": Subquery(card.values("number")[:1]),
        f"{HOUSEHOLD_PREFIX}current_assessment": Subquery(
            assessment.values(summary=summary)[:1], output_field=JSONField()
        ),
        f"{HOUSEHOLD_PREFIX}members": ArraySubquery(
            members.values(member=JSONObject(**{field: field for field in MEMBER_FIELDS}))
        ),
    }


@cache
def _households() -> QuerySet[Household]:
    # Rows (dicts, typed here as the model for the selectors' filters). Built once per process and
    # filtered per request (a filter clones it): resolving the twenty-odd expressions was
    # most of the query's Python cost.
    return Household.objects.values(**_household_values(""))  # type: ignore[return-value]


@cache
def _persons() -> QuerySet[Person]:
    persons: QuerySet[Person] = Person.objects.values(
        *MEMBER_FIELDS, "moved_out_on", **_household_values("household__")
    )
    return persons


def household_detail_rows(households: QuerySet[Household]) -> list[dict[str, Any]]:
    """Each of `households` (already scoped) as one row of what the API shows of it."""
    rows = _households().filter(pk__in=households.values("pk")).order_by("pk")
    return list(rows)  # type: ignore[arg-type]


# A stand-in for the NIK a prepared lookup is run with (no other parameter of it holds it).
_NIK_MARKER = "nik-of-the-lookup"


@lru_cache(maxsize=FORMS_KEPT)
def _household_by_id(scope: Scope) -> PreparedValues:
    scoped = scope_narrowed(_households(), scope=scope, kelurahan_field="kelurahan_id")
    # As `get()` asks: unordered, at most two rows (one expected).
    return PreparedValues(scoped.filter(pk=ID_MARKER).order_by()[:2], marker=ID_MARKER)


@lru_cache(maxsize=FORMS_KEPT)
def _person_by_nik(scope: Scope) -> PreparedValues:
    scoped = scope_narrowed(_persons(), scope=scope, kelurahan_field="household__kelurahan_id")
    return PreparedValues(scoped.filter(nik=_NIK_MARKER).order_by()[:2], marker=_NIK_MARKER)


def household_detail_row(*, user: User | AnonymousUser, household_id: int) -> dict[str, Any]:
    """The household's row (`household_detail_rows`) if the user may see it, else Http404."""
    return _household_by_id(scope_for(user)).one(household_id, Household)


def person_detail_row(*, user: User | AnonymousUser, nik: str) -> dict[str, Any]:
    """The person holding `nik`, if the user may see them (else Http404): their fields
    (MEMBER_FIELDS and `moved_out_on`) and their household's (`hh_id` None for a person
    without one), in one query."""
    return _person_by_nik(scope_for(user)).one(nik, Person)
