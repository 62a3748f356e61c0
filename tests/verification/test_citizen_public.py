"""The citizens' public pages: the self-check answers only when NIK and name (or No. KK)
belong together, and says the same thing, in about the same time, otherwise; an objection
lands in the household's kelurahan queue as an appeal with its SLA; limits and the
honeypot stop abuse; no lookup stores the name typed."""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from registry.models import Person
from tests.overlap.factories import enrol
from tests.registry.factories import (
    KELURAHAN_DEPOK,
    KELURAHAN_TUGU,
    FamilyCardFactory,
    HouseholdFactory,
    PersonFactory,
)
from verification.models import Complaint, PublicLookup

pytestmark = pytest.mark.django_db
CHECK, OBJECT = "/warga/cek/", "/warga/sanggah/"
UNKNOWN_NIK = "3276015505809999"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def siti() -> Person:
    household = HouseholdFactory(kelurahan_id=KELURAHAN_TUGU, desil=3, desil_period="2026Q1")
    FamilyCardFactory(household=household, number="3276021503200042")
    return PersonFactory(household=household, full_name="Siti Aminah", sex="F")


def _result(response) -> str:
    """The answer section of the page (the rest holds a per-request CSRF token)."""
    found = re.search(r'<section class="card" id="self-check-result".*?</section>',
                      response.content.decode(), re.S)  # fmt: skip
    assert found, response.content.decode()[:2000]
    return found[0]


def test_nik_and_name_show_band_and_this_years_programmes(siti):
    enrol(siti, "kis-pbi-apbd", year=timezone.localdate().year)
    response = Client().post(CHECK, {"nik": siti.nik, "name": "SITI  aminah"})
    result = _result(response)
    assert 'data-answer="found"' in result and 'data-band="1-5"' in result
    assert "KIS" in result
    assert siti.nik not in response.content.decode()


def test_nik_and_kk_answer_too_and_a_better_off_household_is_above_5(siti):
    siti.household.__class__.objects.filter(pk=siti.household_id).update(desil=8)
    result = _result(Client().post(CHECK, {"nik": siti.nik, "kk": "3276 0215 0320 0042"}))
    assert 'data-band="above_5"' in result and "Tidak ada tahun ini" in result


def test_a_wrong_name_gets_the_same_answer_as_an_unknown_nik(siti):
    wrong = _result(Client().post(CHECK, {"nik": siti.nik, "name": "Dewi Lestari"}))
    unknown = _result(Client().post(CHECK, {"nik": UNKNOWN_NIK, "name": "Siti Aminah"}))
    wrong_kk = _result(Client().post(CHECK, {"nik": siti.nik, "kk": "3276021503200043"}))
    assert wrong == unknown == wrong_kk
    assert 'data-answer="neutral"' in wrong


@override_settings(
    KDS_PUBLIC_LIMITS={
        "self_check": {"address": 10_000, "nik": 10_000},
        "objection": {"address": 5, "nik": 3},
    }
)
def test_a_wrong_name_takes_about_as_long_as_an_unknown_nik(siti):
    """Interleaved, so that the machine's changing load weighs on both alike."""
    client = Client()
    wrong = {"nik": siti.nik, "name": "Dewi Lestari"}
    unknown = {"nik": UNKNOWN_NIK, "name": "Dewi Lestari"}
    times: dict[str, list[float]] = {"wrong": [], "unknown": []}
    client.post(CHECK, unknown)  # warm up
    for _ in range(30):
        for kind, data in (("wrong", wrong), ("unknown", unknown)):
            started = time.perf_counter()
            client.post(CHECK, data)
            times[kind].append((time.perf_counter() - started) * 1000)
    a, b = statistics.median(times["wrong"]), statistics.median(times["unknown"])
    assert abs(a - b) < max(10.0, 0.5 * max(a, b)), (a, b)


def test_every_lookup_is_logged_without_the_name_or_the_nik(siti):
    Client().post(CHECK, {"nik": siti.nik, "name": "Siti Aminah"})
    Client().post(CHECK, {"nik": siti.nik, "name": "Dewi Lestari"})
    rows = list(PublicLookup.objects.order_by("pk").values())
    assert [r["result"] for r in rows] == ["answered", "no_match"]
    assert rows[0]["nik_digest"] == rows[1]["nik_digest"] != ""
    stored = repr(rows)
    assert "Siti" not in stored and "Dewi" not in stored and siti.nik not in stored
    assert rows[0]["client_address"] == "127.0.0.1"


@override_settings(
    KDS_PUBLIC_LIMITS={
        "self_check": {"address": 3, "nik": 100},
        "objection": {"address": 5, "nik": 3},
    }
)
def test_lookups_are_limited_per_client_address(siti):
    client = Client()
    for number in range(3):
        assert (
            client.post(CHECK, {"nik": f"327601550580{number:04d}", "name": "x"}).status_code == 200
        )
    limited = client.post(CHECK, {"nik": siti.nik, "name": "Siti Aminah"})
    assert limited.status_code == 429 and 'data-answer="limited"' in _result(limited)
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(CHECK, {"nik": siti.nik, "name": "Siti Aminah"}).status_code == 200
    assert PublicLookup.objects.filter(result="limited").count() == 1


@override_settings(
    KDS_PUBLIC_LIMITS={
        "self_check": {"address": 100, "nik": 2},
        "objection": {"address": 5, "nik": 3},
    }
)
def test_lookups_are_limited_per_nik_from_any_address(siti):
    for address in ("10.0.0.1", "10.0.0.2"):
        Client(REMOTE_ADDR=address).post(CHECK, {"nik": siti.nik, "name": "Tebakan"})
    guess = Client(REMOTE_ADDR="10.0.0.3").post(CHECK, {"nik": siti.nik, "name": "Siti Aminah"})
    assert guess.status_code == 429


def _objection(**changes: str) -> dict[str, str]:
    return {
        "topic": "objection",
        "nik": UNKNOWN_NIK,
        "name": "Siti Aminah",
        "kelurahan": KELURAHAN_DEPOK,
        "contact": "0812 1234 5678",
        "reason": "Desil saya berubah menjadi 7 padahal suami saya baru saja di-PHK.",
        "website": "",
        **changes,
    }


def test_an_objection_lands_in_the_households_kelurahan_as_an_appeal_with_its_sla(siti):
    response = Client().post(OBJECT, _objection(nik=siti.nik))
    complaint = Complaint.objects.get()
    assert (complaint.kind, complaint.category, complaint.channel) == (
        "appeal",
        "exclusion",
        "public",
    )
    assert complaint.household_id == siti.household_id and complaint.person_id == siti.pk
    assert complaint.kelurahan_code == KELURAHAN_TUGU  # the household's, not the one chosen
    assert complaint.status == "received"
    assert abs(complaint.due_at - (complaint.created_at + timedelta(days=14))) < timedelta(
        minutes=1
    )
    assert complaint.tracking_number in response.content.decode()
    assert PublicLookup.objects.get().complaint_id == complaint.pk


def test_an_objection_without_matching_name_goes_to_the_chosen_kelurahan_unattached(siti):
    Client().post(OBJECT, _objection(nik=siti.nik, name="Orang Lain", topic="data_error"))
    complaint = Complaint.objects.get()
    assert complaint.household_id is None and complaint.kelurahan_code == KELURAHAN_DEPOK
    assert (complaint.kind, complaint.category) == ("complaint", "data_error")


def test_the_honeypot_refuses_a_robot(siti):
    response = Client().post(OBJECT, _objection(website="http://spam.example"))
    assert response.status_code == 400
    assert not Complaint.objects.exists()
    assert PublicLookup.objects.get().result == "refused"


def test_size_limits(siti):
    too_long = Client().post(OBJECT, _objection(reason="x" * 2001))
    assert too_long.status_code == 200 and not Complaint.objects.exists()
    huge = Client().post(OBJECT, _objection(reason="x" * 20_000))
    assert huge.status_code == 413 and not Complaint.objects.exists()


@override_settings(
    KDS_PUBLIC_LIMITS={
        "self_check": {"address": 20, "nik": 5},
        "objection": {"address": 2, "nik": 100},
    }
)
def test_objections_are_limited_per_address(siti):
    client = Client()
    for _ in range(2):
        client.post(OBJECT, _objection())
    assert client.post(OBJECT, _objection()).status_code == 429
    assert Complaint.objects.count() == 2


@pytest.mark.parametrize(
    "persona", [None, "dinsos_admin", "puskesos_a", "dinkes_officer", "leader", "auditor_user"]
)
def test_the_public_pages_open_for_anyone(persona, request):
    client = Client()
    if persona:
        client.force_login(request.getfixturevalue(persona))
    for path in (CHECK, OBJECT):
        page = client.get(path)
        assert page.status_code == 200 and 'lang="id"' in page.content.decode()


def test_the_public_pages_are_indonesian_first():
    body = Client().get(CHECK).content.decode()
    assert "Cek data Anda" in body and "Nama lengkap sesuai KK" in body
    body = Client().get(OBJECT).content.decode()
    assert "Kirim sanggahan" in body and "Biarkan kosong" in body
