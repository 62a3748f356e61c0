"""The overlap panel on the dashboard: open findings per rule and the inclusion and
exclusion errors, counted within the reader's scope (the whole city for leadership)."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from depok_kds.access import user_roles
from programs.overlap.models import Finding, FindingStatus
from programs.overlap.panels import findings_panel
from programs.overlap.rules import RULES_BY_CODE
from programs.overlap.selectors import finding_counts
from tests.conftest import dashboard_panel
from tests.registry.factories import KELURAHAN_DEPOK, KELURAHAN_TUGU

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def finding(rule: str, *, agency: str, kelurahan: str, status: str = FindingStatus.OPEN) -> Finding:
    spec = RULES_BY_CODE[rule]
    now = timezone.now()
    return Finding.objects.create(
        rule=rule,
        fingerprint=f"{rule}:test:{next(_serial)}",
        severity=spec.severity,
        blocks=spec.blocks,
        status=status,
        reason="checked" if status == FindingStatus.DISMISSED else "",
        agency_code=agency,
        kelurahan_code=kelurahan,
        year=2026,
        first_seen=now,
        last_seen=now,
    )


@pytest.fixture
def findings() -> None:
    finding("inclusion_error", agency="DINKES", kelurahan=KELURAHAN_DEPOK)
    finding(
        "inclusion_error", agency="DINKES", kelurahan=KELURAHAN_TUGU, status=FindingStatus.CONFIRMED
    )
    finding("exclusion_error", agency="DINSOS", kelurahan=KELURAHAN_DEPOK)
    finding("exclusion_error", agency="DINSOS", kelurahan=KELURAHAN_DEPOK)
    finding("duplicate_enrolment", agency="DISRUMKIM", kelurahan=KELURAHAN_TUGU)
    finding("deceased_recipient", agency="DINSOS", kelurahan=KELURAHAN_DEPOK, status="dismissed")
    finding("household_cap", agency="DINSOS", kelurahan=KELURAHAN_TUGU, status="closed")


def _summary(panel) -> tuple[dict[str, int], int, int, int]:
    per_rule = {code: n for code, _label, n in panel["rules"]}
    assert [bar.total for bar in panel["chart"].bars] == list(per_rule.values())
    return per_rule, panel["open_total"], panel["inclusion_errors"], panel["exclusion_errors"]


@pytest.mark.parametrize("persona", ["leader", "dinsos_operator", "auditor_user"])
def test_city_wide_readers_count_every_live_finding(findings, persona, request):
    panel = findings_panel(request.getfixturevalue(persona))
    assert panel is not None
    per_rule, open_total, inclusion, exclusion = _summary(panel)
    assert per_rule == {"exclusion_error": 2, "inclusion_error": 1, "duplicate_enrolment": 1}
    # most first; ties in the rules' order
    assert list(per_rule) == ["exclusion_error", "duplicate_enrolment", "inclusion_error"]
    assert (open_total, inclusion, exclusion) == (4, 2, 2)  # the report counts confirmed too
    assert panel["chart"].bars[0].label == str(RULES_BY_CODE["exclusion_error"].label)


def test_an_agency_officer_counts_their_agencys_findings(findings, dinkes_officer):
    panel = findings_panel(dinkes_officer)
    assert panel is not None and panel["agency_only"]
    assert _summary(panel) == ({"inclusion_error": 1}, 1, 2, 0)


def test_a_puskesos_officer_counts_their_kelurahans_findings(findings, puskesos_a, puskesos_b):
    panel = findings_panel(puskesos_a)
    assert panel is not None and panel["kelurahan_only"]
    assert _summary(panel) == ({"exclusion_error": 2, "inclusion_error": 1}, 3, 1, 2)
    tugu = findings_panel(puskesos_b)
    assert tugu is not None
    assert _summary(tugu) == ({"duplicate_enrolment": 1}, 1, 1, 0)


def test_users_without_overlap_rights_get_no_panel(findings, django_user_model):
    nobody = django_user_model.objects.create_user("x", password="y-pass-2026")
    assert findings_panel(nobody) is None
    assert finding_counts(user=nobody).open_total == 0


def test_the_counts_are_one_query(findings, dinsos_operator, django_assert_num_queries):
    dinsos_operator.has_perm("overlap.view_finding")  # loads the permissions
    user_roles(dinsos_operator)
    with django_assert_num_queries(1):
        findings_panel(dinsos_operator)


def _panel_html(client, user) -> str:
    return dashboard_panel(client, user, "findings-panel")


def test_the_dashboard_links_the_list_and_the_report(client, findings, dinsos_operator):
    html = _panel_html(client, dinsos_operator)
    assert 'role="img"' in html
    assert 'data-open="4" data-inclusion="2" data-exclusion="2"' in html
    assert 'id="findings-panel-list"' in html and 'id="findings-panel-report"' in html
    assert f"{reverse('overlap:list')}?rule=exclusion_error&amp;status=open" in html


def test_leadership_gets_the_report_link_but_no_finding(client, findings, leader):
    html = _panel_html(client, leader)
    assert 'role="img"' in html
    assert 'id="findings-panel-report"' in html
    assert 'id="findings-panel-list"' not in html
    assert f'href="{reverse("overlap:list")}"' not in html
    assert f'href="{reverse("overlap:list")}?' not in html


def test_a_puskesos_officer_gets_the_list_but_not_the_report(client, findings, puskesos_a):
    html = _panel_html(client, puskesos_a)
    assert 'data-open="3"' in html
    assert 'id="findings-panel-list"' in html
    assert reverse("overlap:report") not in html
