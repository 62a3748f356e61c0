"""The recipients panel on the dashboard: this year's recipients per programme, counted by
the recipients report and narrowed to what the reader may count."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from depok_kds.access import Scope, scope_for, user_roles
from programs.panels import recipients_panel, recipients_per_programme
from tests.conftest import dashboard_panel
from tests.overlap.factories import enrol
from tests.programs.factories import applicant
from tests.registry.factories import KELURAHAN_DEPOK, KELURAHAN_TUGU

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
KIS = "KIS PBI-APBD Depok"
RTLH = "Rumah Tidak Layak Huni (RTLH)"
SMA = "Bantuan Pendidikan Siswa Miskin SMA/MA"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def enrolments() -> None:
    """KIS PBI (Dinkes): 2 in Depok (one of them in two tahap), 1 in Tugu; RTLH
    (Disrumkim): 1 in Tugu; SMA aid (Dinsos): 1 in Depok; and last year's, not counted."""
    depok_1, depok_2 = applicant(), applicant(kelurahan=KELURAHAN_DEPOK)
    tugu_1 = applicant(kelurahan=KELURAHAN_TUGU)
    enrol(depok_1, "kis-pbi-apbd", year=YEAR, tahap=1)
    enrol(depok_1, "kis-pbi-apbd", year=YEAR, tahap=2)  # the same person: counted once
    enrol(depok_2, "kis-pbi-apbd", year=YEAR)
    enrol(tugu_1, "kis-pbi-apbd", year=YEAR)
    enrol(tugu_1, "rtlh", year=YEAR)
    enrol(depok_2, "pendidikan-sma", year=YEAR)
    enrol(applicant(), "kis-pbi-apbd", year=YEAR - 1)


def _counts(panel) -> dict[str, float]:
    return {bar.label: bar.total for bar in panel["chart"].bars}


@pytest.mark.parametrize("persona", ["leader", "dinsos_operator", "auditor_user"])
def test_city_wide_readers_see_every_programme(enrolments, persona, request):
    panel = recipients_panel(request.getfixturevalue(persona))
    assert panel is not None and panel["year"] == YEAR
    counts = _counts(panel)
    assert len(counts) == 10  # every programme, in report order
    assert (counts[KIS], counts[RTLH], counts[SMA]) == (3, 1, 1)
    assert counts["Pelatihan Keterampilan"] == 0
    assert not panel["agency_only"] and not panel["kelurahan_only"]


def test_an_agency_officer_sees_only_their_agencys_programmes(
    enrolments, dinkes_officer, disrumkim_officer
):
    dinkes = recipients_panel(dinkes_officer)
    assert dinkes is not None and dinkes["agency_only"]
    assert _counts(dinkes) == {KIS: 3}
    disrumkim = recipients_panel(disrumkim_officer)
    assert disrumkim is not None
    assert _counts(disrumkim) == {RTLH: 1}


def test_a_kelurahan_scope_counts_its_kelurahan_only(enrolments):
    depok = dict(
        recipients_per_programme(
            year=YEAR, scope=Scope(rows=True, kelurahan_codes=frozenset({KELURAHAN_DEPOK}))
        )
    )
    assert (depok[KIS], depok[RTLH], depok[SMA]) == (2, 0, 1)
    nowhere = dict(
        recipients_per_programme(year=YEAR, scope=Scope(rows=True, kelurahan_codes=frozenset()))
    )
    assert set(nowhere.values()) == {0}


def test_an_agency_without_programmes_counts_nothing(enrolments):
    assert recipients_per_programme(year=YEAR, scope=Scope(rows=True, agency_code="-")) == []


def test_roles_without_the_report_get_no_panel(enrolments, puskesos_a, django_user_model):
    assert recipients_panel(puskesos_a) is None
    assert (
        recipients_panel(django_user_model.objects.create_user("x", password="y-pass-2026")) is None
    )


def test_the_panel_is_two_queries_then_cached(
    enrolments, dinkes_officer, django_assert_max_num_queries, django_assert_num_queries
):
    dinkes_officer.has_perm("programs.view_recipient_report")  # loads the permissions
    user_roles(dinkes_officer)
    assert scope_for(dinkes_officer).agency_code == "DINKES"
    with django_assert_max_num_queries(2):  # the programmes and one GROUP BY
        recipients_panel(dinkes_officer)
    with django_assert_num_queries(0):
        recipients_panel(dinkes_officer)


def test_the_dashboard_shows_the_chart_and_links_the_report(client, enrolments, leader):
    panel = dashboard_panel(client, leader, "recipients-panel")
    assert 'role="img"' in panel and KIS in panel
    assert reverse("programs:report") in panel
