"""One registration: the portal, the staff import and the admin's import write the same rows,
the same history and the same audit, through `registry.services.registration`."""

from __future__ import annotations

from datetime import date

import pytest
import tablib

from depok_kds.errors import DomainError, Forbidden
from depok_kds.models import AuditEntry, User
from registry.models import FamilyCard, Household, HouseholdEvent, Person
from registry.resources import HouseholdMemberResource
from registry.services import MemberData, household_register
from registry.services.registration import FamilyData, households_register
from tests.registry.factories import KELURAHAN_DEPOK, make_kk, make_nik
from tests.registry.test_imports_support import (
    commit,
    csv_bytes,
    family,
    media_root,  # noqa: F401  (uploads go to a temporary MEDIA_ROOT)
    preview,
)

pytestmark = pytest.mark.django_db

REGISTERED_KEYS = {"members", "nik_missing", "kk", "source"}
AUDIT_KEYS = {"kelurahan_code", "rw", "rt", "address", "status", "head_id", "kk", "member_ids"}


def member(serial: int, relationship: str, born: date) -> MemberData:
    return MemberData(
        nik=make_nik(born, "M", serial),
        full_name=f"Warga {serial}",
        sex="M",
        birth_date=born,
        relationship=relationship,
        marital_status="kawin",
        education="sma",
    )


def registered_record(household: Household) -> tuple[dict, dict]:
    """The `registered` event's and the `household.register` audit row's details."""
    (event,) = HouseholdEvent.objects.filter(household=household, kind="registered")
    (audit,) = AuditEntry.objects.filter(
        action="household.register", target_type="registry.household", target_id=str(household.pk)
    )
    return event.details, audit.after


def assert_one_registration(household: Household, *, members: int, source: str, actor: User):
    details, after = registered_record(household)
    assert set(details) >= REGISTERED_KEYS and details["members"] == members
    assert details["source"] == source
    assert set(after) >= AUDIT_KEYS
    assert after["head_id"] == household.head_id is not None
    assert sorted(after["member_ids"]) == sorted(household.members.values_list("pk", flat=True))
    assert household.head.relationship == "1"
    assert FamilyCard.objects.filter(household=household, valid_to__isnull=True).count() == 1
    event = HouseholdEvent.objects.get(household=household, kind="registered")
    assert event.actor_id == actor.pk


def test_portal_registration_leaves_event_and_audit_of_the_shared_shape(dinsos_operator):
    born = date(1980, 2, 3)
    result = household_register(
        actor=dinsos_operator,
        kelurahan_code=KELURAHAN_DEPOK,
        rw=1,
        rt=2,
        address="Jl. Nusantara 1",
        kk_number=make_kk(501),
        members=[member(1, "1", born), member(2, "3", born)],
    )
    assert_one_registration(result.household, members=2, source="portal", actor=dinsos_operator)


def test_staff_import_registers_each_family_with_the_same_audit_as_the_portal(
    dinsos_admin,
    media_root,  # noqa: F811
):
    rows = family(601, first_serial=1) + family(602, first_serial=10, size=2)
    commit(dinsos_admin, preview(dinsos_admin, "households", csv_bytes(rows)))

    for number, size in ((601, 3), (602, 2)):
        household = FamilyCard.objects.get(number=make_kk(number)).household
        assert_one_registration(household, members=size, source="import", actor=dinsos_admin)


def test_admin_import_registers_each_family_with_the_same_audit_as_the_portal(dinsos_admin):
    rows = family(701, first_serial=1) + family(702, first_serial=10, size=2)
    data = tablib.Dataset().load(csv_bytes(rows).decode(), format="csv")

    result = HouseholdMemberResource().import_data(data, user=dinsos_admin)

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 5, dict(result.totals)
    for number, size in ((701, 3), (702, 2)):
        household = FamilyCard.objects.get(number=make_kk(number)).household
        assert_one_registration(household, members=size, source="admin_import", actor=dinsos_admin)


def test_the_writer_refuses_a_family_without_exactly_one_head(dinsos_admin):
    born = date(1980, 2, 3)
    headless = FamilyData(
        kk=make_kk(801),
        kelurahan_code=KELURAHAN_DEPOK,
        rw=1,
        rt=1,
        address="Jl. Tanpa Kepala",
        members=[member(1, "3", born)],
    )
    with pytest.raises(DomainError) as refused:
        households_register(actor=dinsos_admin, families=[headless])
    assert refused.value.code == "head_count"
    assert not Household.objects.exists() and not Person.objects.exists()


def test_the_writer_refuses_a_kelurahan_outside_the_actors_scope(puskesos_b):
    born = date(1980, 2, 3)
    elsewhere = FamilyData(
        kk=make_kk(802),
        kelurahan_code=KELURAHAN_DEPOK,
        rw=1,
        rt=1,
        address="Jl. Lain",
        members=[member(1, "1", born)],
    )
    with pytest.raises(Forbidden):
        households_register(actor=puskesos_b, families=[elsewhere])
    assert not Household.objects.exists()
