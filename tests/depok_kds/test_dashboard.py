"""The dashboard and its panels, as each persona sees it: every panel an aggregate, each
shown only to the roles that may see it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.module_loading import import_string

from depok_kds.dashboard import DASHBOARD_PANELS

pytestmark = pytest.mark.django_db

PANELS = {
    "registry/_poverty_panel.html": "poverty",
    "programs/_recipients_panel.html": "recipients",
    "overlap/_findings_panel.html": "findings",
    "dukcapil/_matching_panel.html": "matching",
}
SEES = {
    "dinsos_admin": {"poverty", "recipients", "findings", "matching"},
    "dinsos_operator": {"poverty", "recipients", "findings", "matching"},
    "auditor_user": {"poverty", "recipients", "findings", "matching"},
    "leader": {"poverty", "recipients", "findings"},
    "dinkes_officer": {"poverty", "recipients", "findings"},
    "puskesos_a": {"poverty", "findings", "matching"},
}


def test_every_panel_is_a_dotted_path_to_a_function():
    assert len(DASHBOARD_PANELS) == len(set(DASHBOARD_PANELS)) == 4
    for path in DASHBOARD_PANELS:
        assert callable(import_string(path))


@pytest.mark.parametrize("persona", sorted(SEES))
def test_each_persona_sees_the_panels_of_their_role(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    shown = {PANELS[panel["template"]] for panel in response.context["panels"]}
    assert shown == SEES[persona]
    rendered = {template.name for template in response.templates}
    assert {template for template, name in PANELS.items() if name in shown} <= rendered
