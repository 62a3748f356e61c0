"""The matching panel on the dashboard: the latest finished run's outcomes and what waits
for review, within the reader's kelurahan; nothing for roles without matching rights."""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from depok_kds.access import user_roles
from registry.dukcapil.models import MatchOutcome, MatchRun, Outcome
from registry.dukcapil.panels import matching_panel
from registry.dukcapil.services import match_run_start
from tests.conftest import dashboard_panel
from tests.dukcapil.conftest import DEPOK, run_to_end

pytestmark = pytest.mark.django_db

PENDING = MatchOutcome.Review.PENDING


@pytest.fixture
def run(city, dinsos_operator) -> MatchRun:
    return run_to_end(dinsos_operator)


def _chart(panel) -> dict[str, float]:
    return {bar.label: bar.total for bar in panel["chart"].bars}


def _expected(outcomes) -> dict[str, int]:
    return {str(Outcome(code).label): n for code, n in Counter(o.outcome for o in outcomes).items()}


@pytest.mark.parametrize("persona", ["dinsos_operator", "auditor_user"])
def test_city_wide_readers_see_the_whole_run(run, persona, request):
    panel = matching_panel(request.getfixturevalue(persona))
    assert panel is not None and panel["run"] == run
    outcomes = MatchOutcome.objects.filter(run=run)
    assert _chart(panel) == _expected(outcomes)
    assert panel["summary"].persons == outcomes.count()
    pending = outcomes.filter(review_status=PENDING).count()
    assert pending > 0
    assert panel["summary"].pending == pending
    assert panel["queue"] == pending


def test_a_puskesos_officer_sees_their_kelurahan_only(run, puskesos_a):
    panel = matching_panel(puskesos_a)
    assert panel is not None and panel["run"] == run
    depok = MatchOutcome.objects.filter(run=run, kelurahan_code=DEPOK)
    assert depok.count() < MatchOutcome.objects.filter(run=run).count()
    assert _chart(panel) == _expected(depok)
    assert panel["summary"].persons == depok.count()
    assert panel["summary"].pending == depok.filter(review_status=PENDING).count()
    assert panel["queue"] == depok.filter(review_status=PENDING).count()


@pytest.mark.parametrize("persona", ["leader", "dinkes_officer"])
def test_roles_without_matching_rights_get_no_panel(run, persona, request):
    assert matching_panel(request.getfixturevalue(persona)) is None


def test_an_unfinished_run_does_not_replace_the_latest_finished_one(run, dinsos_operator):
    match_run_start(actor=dinsos_operator)  # queued, never executed here
    panel = matching_panel(dinsos_operator)
    assert panel is not None and panel["run"] == run


def test_before_any_run_finishes_the_panel_says_so(city, dinsos_operator, client):
    match_run_start(actor=dinsos_operator)
    panel = matching_panel(dinsos_operator)
    assert panel is not None
    assert (panel["run"], panel["chart"], panel["queue"]) == (None, None, 0)
    client.force_login(dinsos_operator)
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_panel_reads_the_stored_summary(run, dinsos_operator, django_assert_max_num_queries):
    dinsos_operator.has_perm("dukcapil.view_matchrun")  # loads the permissions
    user_roles(dinsos_operator)
    # the run, its kelurahan names, the run's pending count, the queue's count
    with django_assert_max_num_queries(4):
        matching_panel(dinsos_operator)


def test_the_dashboard_shows_the_chart_and_links_run_and_queue(client, run, dinsos_operator):
    html = dashboard_panel(client, dinsos_operator, "matching-panel")
    assert 'role="img"' in html
    assert f'href="{reverse("dukcapil:run", args=[run.pk])}"' in html
    assert f'href="{reverse("dukcapil:review")}"' in html
    pending = MatchOutcome.objects.filter(run=run, review_status=PENDING).count()
    assert f'data-pending="{pending}" data-queue="{pending}"' in html
