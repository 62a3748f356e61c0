"""The recipients report as a reader uses it: years to choose (the last three by default,
the current one included), regions by name, one readable chart per programme."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.overlap.factories import enrol
from tests.programs.factories import applicant
from tests.registry.factories import KELURAHAN_DEPOK, KELURAHAN_TUGU

pytestmark = pytest.mark.django_db
REPORT = reverse("programs:report")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_default_years_are_the_last_three_including_the_current(leader):
    this_year = timezone.localdate().year
    report = _client(leader).get(REPORT).context["report"]
    assert report.years == [this_year - 2, this_year - 1, this_year]


def test_chosen_years_and_a_kelurahan_by_name(leader):
    enrol(applicant(kelurahan=KELURAHAN_DEPOK), "rtlh", year=2022)
    enrol(applicant(kelurahan=KELURAHAN_TUGU), "rtlh", year=2022)
    response = _client(leader).get(REPORT, {"years": [2022], "kelurahan": KELURAHAN_DEPOK})
    report = response.context["report"]
    assert report.years == [2022]
    rtlh = next(r for r in report.rows if r.programme.code == "rtlh")
    assert rtlh.counts == [1]
    assert "Depok (Pancoran Mas)" in response.content.decode()


def test_a_kelurahan_outside_the_kecamatan_is_refused_not_zeroed(leader):
    response = _client(leader).get(REPORT, {"kecamatan": "32.76.01", "kelurahan": KELURAHAN_TUGU})
    assert response.context["form"].errors["kelurahan"]
    assert 'id="error-summary"' in response.content.decode()


def test_every_programme_has_its_own_readable_chart(leader):
    enrol(applicant(), "kis-pbi-apbd", year=timezone.localdate().year)
    response = _client(leader).get(REPORT)
    charts = response.context["charts"]
    assert len(charts) == len(response.context["report"].rows)
    small = next(c for c in charts if c.title.startswith("RTLH") or "RTLH" in c.title)
    assert all(s.width == 0 for b in small.bars for s in b.segments)  # zero stays zero
    kis = next(c for c in charts if "KIS" in c.title)
    assert max(s.width for b in kis.bars for s in b.segments) > 0


def test_outsiders_get_no_report(puskesos_a):
    assert _client(puskesos_a).get(REPORT).status_code == 403
    assert Client().get(REPORT).status_code == 302
