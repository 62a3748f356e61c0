from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from depok_kds.models import AuditEntry, User
from registry.models import Assessment, Household, Person
from registry.services import assessment_record, household_register
from tests.conftest import ApiClientFactory
from tests.registry.factories import KELURAHAN_DEPOK, KELURAHAN_TUGU, family_members, make_kk
from tests.registry.test_services_assessments import POOR_24, answers

pytestmark = pytest.mark.django_db

HOUSEHOLDS = "/api/v1/registry/households/"
PERSONS = "/api/v1/registry/persons/"


def keyed(key: str) -> APIClient:
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return http


@pytest.fixture
def household() -> Household:
    return household_register(
        actor=None,
        kelurahan_code=KELURAHAN_DEPOK,
        rw=2,
        rt=4,
        address="Jl. Nusantara 5",
        kk_number=make_kk(1),
        members=family_members(full_name="Slamet Riyadi"),
    ).household


def test_lookup_by_nik_is_masked_without_pii_scope(
    api_client_factory: ApiClientFactory, household: Household
) -> None:
    _, key = api_client_factory(["registry:read"])
    nik = household.head.nik

    response = keyed(key).get(HOUSEHOLDS, {"nik": nik})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    found = body["results"][0]
    assert found["registry_number"] == household.registry_number
    assert found["kk_number"] == "3276••••••••0002"
    assert found["members"][0]["nik"] == nik[:4] + "••••••••" + nik[-4:]
    assert found["poverty_class"] == "" and found["desil"] is None
    assert [m["relationship"] for m in found["members"]] == ["1", "3", "4"]
    assert not AuditEntry.objects.filter(action="pii.view").exists()


def test_pii_scope_shows_full_numbers_and_logs_the_view(
    api_client_factory: ApiClientFactory, household: Household
) -> None:
    client, key = api_client_factory(["registry:read", "pii:read"])

    response = keyed(key).get(HOUSEHOLDS, {"kk": make_kk(1)})

    found = response.json()["results"][0]
    assert found["kk_number"] == make_kk(1)
    assert found["members"][0]["nik"] == household.head.nik
    entry = AuditEntry.objects.get(action="pii.view")
    assert entry.actor == client.user
    assert entry.after["count"] == 3
    assert set(entry.after["ids"]) == {str(p.pk) for p in household.members.all()}


def test_household_detail_and_out_of_scope_client(
    api_client_factory: ApiClientFactory, household: Household
) -> None:
    _, key = api_client_factory(["registry:read"])
    _, tugu_key = api_client_factory(["registry:read"], kelurahan_codes=[KELURAHAN_TUGU])

    url = f"{HOUSEHOLDS}{household.pk}/"
    assert keyed(key).get(url).json()["address"] == "Jl. Nusantara 5"
    response = keyed(tugu_key).get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert keyed(tugu_key).get(HOUSEHOLDS, {"nik": household.head.nik}).json()["count"] == 0


def test_person_lookup_returns_household_class_desil_and_members(
    api_client_factory: ApiClientFactory, household: Household
) -> None:
    Household.objects.filter(pk=household.pk).update(
        poverty_class="miskin", desil=3, desil_period="2026Q1"
    )
    _, key = api_client_factory(["registry:read"])

    response = keyed(key).get(PERSONS, {"nik": household.head.nik})

    person = response.json()["results"][0]
    assert person["full_name"] == "Slamet Riyadi"
    assert person["household"]["poverty_class"] == "miskin"
    assert person["household"]["desil"] == 3
    assert person["household"]["assessed_on"] is None
    assert len(person["household"]["members"]) == 3
    assert keyed(key).get(PERSONS, {"nik": "3276010101900999"}).json() == {
        "count": 0,
        "results": [],
    }


def test_lookup_needs_a_number(api_client_factory: ApiClientFactory) -> None:
    _, key = api_client_factory(["registry:read"])
    response = keyed(key).get(HOUSEHOLDS)
    assert response.status_code == 400
    assert keyed(key).get(PERSONS, {"nik": "12345"}).status_code == 400


def test_client_without_registry_read_is_forbidden(
    api_client_factory: ApiClientFactory, household: Household
) -> None:
    _, key = api_client_factory(["jobs:read"])
    assert keyed(key).get(HOUSEHOLDS, {"nik": household.head.nik}).status_code == 403
    assert keyed(key).get(f"{HOUSEHOLDS}{household.pk}/").status_code == 403
    assert keyed(key).get(PERSONS, {"nik": household.head.nik}).status_code == 403


def test_no_key_is_unauthorized(household: Household) -> None:
    response = APIClient().get(HOUSEHOLDS, {"nik": household.head.nik})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_portal_session_needs_the_view_permission(
    client: Client, dinsos_operator: User, leader: User, household: Household
) -> None:
    client.force_login(dinsos_operator)
    assert client.get(f"{HOUSEHOLDS}{household.pk}/").status_code == 200
    client.force_login(leader)
    assert client.get(f"{HOUSEHOLDS}{household.pk}/").status_code == 403


def registration_body(**overrides: object) -> dict[str, Any]:
    members = [
        {
            "nik": m.nik,
            "full_name": m.full_name,
            "sex": m.sex,
            "birth_place": m.birth_place,
            "birth_date": m.birth_date.isoformat(),
            "relationship": m.relationship,
            "marital_status": m.marital_status,
            "education": m.education,
        }
        for m in family_members(full_name="Agus Salim")
    ]
    body = {
        "kelurahan_code": KELURAHAN_DEPOK,
        "rw": 1,
        "rt": 2,
        "address": "Jl. Baru 1",
        "kk_number": make_kk(5),
        "members": members,
    }
    return {**body, **overrides}


def test_register_through_the_api(api_client_factory: ApiClientFactory) -> None:
    client, key = api_client_factory(["registry:write"])

    response = keyed(key).post(HOUSEHOLDS, registration_body(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    household = Household.objects.get(pk=body["household"]["id"])
    assert household.members.count() == 3
    assert body["household"]["kk_number"] == "3276••••••••0006"
    assert body["warnings"] == []
    assert AuditEntry.objects.get(action="household.register").actor == client.user


def test_register_refusal_points_at_the_member_field(api_client_factory: ApiClientFactory) -> None:
    _, key = api_client_factory(["registry:write"])
    body = registration_body()
    body["members"][1]["nik"] = "32760141019"

    response = keyed(key).post(HOUSEHOLDS, body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_nik"
    assert error["details"] == {"member": 1, "field": "nik"}
    assert "16 digit" in error["message"]


def test_register_refuses_a_nik_sent_as_a_number(api_client_factory: ApiClientFactory) -> None:
    _, key = api_client_factory(["registry:write"])
    body = registration_body()
    body["members"][0]["nik"] = int(body["members"][0]["nik"])
    response = keyed(key).post(HOUSEHOLDS, body, format="json")
    assert response.status_code == 400
    assert not Household.objects.exists()


def test_register_needs_registry_write(api_client_factory: ApiClientFactory) -> None:
    _, key = api_client_factory(["registry:read"])
    assert keyed(key).post(HOUSEHOLDS, registration_body(), format="json").status_code == 403


def test_kelurahan_scoped_client_registers_only_there(api_client_factory: ApiClientFactory) -> None:
    _, key = api_client_factory(["registry:write"], kelurahan_codes=[KELURAHAN_TUGU])
    response = keyed(key).post(HOUSEHOLDS, registration_body(), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def _members(household: Household, count: int) -> None:
    for number in range(count):
        Person.objects.create(
            household=household,
            nik=f"3276010101955{number:03d}",
            full_name=f"Anak {number}",
            sex="M",
            birth_date=date(2015, 1, 1 + number),
            relationship=Person.Relationship.CHILD,
        )


def test_lookups_read_as_many_queries_for_a_large_household_as_for_a_small_one(
    api_client_factory: ApiClientFactory, household: Household
) -> None:
    _, key = api_client_factory(["registry:read"])
    http = keyed(key)
    http.get(PERSONS, {"nik": household.head.nik})  # the key's last use noted once
    queries = {}
    for size in ("small", "large"):
        with (
            CaptureQueriesContext(connection) as person,
            CaptureQueriesContext(connection) as detail,
        ):
            assert http.get(PERSONS, {"nik": household.head.nik}).json()["count"] == 1
            detail_start = len(person.captured_queries)
            assert http.get(f"{HOUSEHOLDS}{household.pk}/").status_code == 200
        queries[size] = (detail_start, len(detail.captured_queries) - detail_start)
        if size == "small":
            _members(household, 6)

    assert queries["small"] == queries["large"]
    # Key and roles; the person (or household) with the household's card, class and
    # members; the call log's row (in its transaction): no query per member, none for the
    # roles alone.
    lookup, detail_queries = queries["large"]
    assert lookup == 3 and detail_queries == 3


def test_person_lookup_shows_the_open_kk_and_current_class_and_keeps_its_scope(
    api_client_factory: ApiClientFactory, household: Household
) -> None:
    assessment_record(
        actor=None,
        household_id=household.pk,
        answers=answers(**POOR_24),
        source=Assessment.Source.FIELD_VISIT,
        assessed_on=date(2026, 3, 2),
    )
    _, key = api_client_factory(["registry:read"])
    _, tugu_key = api_client_factory(["registry:read"], kelurahan_codes=[KELURAHAN_TUGU])

    found = keyed(key).get(PERSONS, {"nik": household.head.nik}).json()["results"][0]

    assert found["household"]["kk_number"] == "3276••••••••0002"
    assert found["household"]["current_assessment"] == {
        "poverty_class": "rentan",
        "score": "24.00",
        "max_score": "62.00",
        "ruleset_version": "PROVISIONAL-2026.1",
        "is_provisional": True,
        "assessed_on": "2026-03-02",
    }
    assert keyed(tugu_key).get(PERSONS, {"nik": household.head.nik}).json()["count"] == 0


def test_full_and_masked_numbers_do_not_leak_between_keys(
    api_client_factory: ApiClientFactory, household: Household
) -> None:
    _, masked = api_client_factory(["registry:read"])
    _, full = api_client_factory(["registry:read", "pii:read"])
    nik = household.head.nik

    # The serializers' fields are built once; what each answer shows is still its key's.
    for _ in range(2):
        shown = keyed(full).get(PERSONS, {"nik": nik}).json()["results"][0]
        hidden = keyed(masked).get(PERSONS, {"nik": nik}).json()["results"][0]
        assert shown["nik"] == nik and shown["household"]["kk_number"] == make_kk(1)
        assert hidden["nik"] == nik[:4] + "••••••••" + nik[-4:]
        assert hidden["household"]["members"][0]["nik"] != nik


def test_person_without_a_household_is_found_and_its_full_view_logged(
    api_client_factory: ApiClientFactory, household: Household
) -> None:
    moved = household.members.exclude(pk=household.head_id).first()
    Person.objects.filter(pk=moved.pk).update(household=None, moved_out_on=date(2026, 2, 1))
    client, key = api_client_factory(["registry:read", "pii:read"])

    found = keyed(key).get(PERSONS, {"nik": moved.nik}).json()["results"][0]

    assert found["nik"] == moved.nik and found["household"] is None
    assert found["moved_out_on"] == "2026-02-01"
    assert found["birth_date"] == moved.birth_date.isoformat()
    entry = AuditEntry.objects.get(action="pii.view")
    assert entry.actor == client.user and entry.after["ids"] == [str(moved.pk)]


def test_members_come_living_first_head_first_then_oldest(
    api_client_factory: ApiClientFactory, household: Household
) -> None:
    head = household.head
    Person.objects.filter(pk=head.pk).update(is_deceased=True, death_date=date(2025, 12, 1))
    _, key = api_client_factory(["registry:read"])

    members = keyed(key).get(f"{HOUSEHOLDS}{household.pk}/").json()["members"]

    assert [m["relationship"] for m in members] == ["3", "4", "1"]
    assert members[-1]["is_deceased"] is True and members[-1]["death_date"] == "2025-12-01"
    assert members[0]["death_date"] is None
