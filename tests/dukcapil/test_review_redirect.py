"""The bulk review's `next` stays on this site: no open redirect."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from registry.dukcapil.models import MatchOutcome, MatchRun
from tests.dukcapil.conftest import run_to_end

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(city, dinsos_operator) -> MatchRun:
    return run_to_end(dinsos_operator)


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "https:///evil.example", "\\\\evil.example"],
)
def test_a_next_to_another_site_goes_to_the_review_queue(run, dinsos_operator, target):
    client = Client()
    client.force_login(dinsos_operator)
    ids = list(MatchOutcome.objects.filter(run=run).values_list("pk", flat=True)[:1])
    response = client.post(
        reverse("dukcapil:review-bulk"), {"decision": "confirm", "outcome": ids, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dukcapil:review")


def test_a_next_on_this_site_is_followed(run, dinsos_operator):
    client = Client()
    client.force_login(dinsos_operator)
    back = reverse("dukcapil:review") + "?outcome=nik_mistyped"
    ids = list(MatchOutcome.objects.filter(run=run).values_list("pk", flat=True)[:1])
    response = client.post(
        reverse("dukcapil:review-bulk"), {"decision": "confirm", "outcome": ids, "next": back}
    )
    assert response["Location"] == back


def test_a_bulk_review_with_nothing_ticked_keeps_the_note_and_the_filter(run, dinsos_operator):
    client = Client()
    client.force_login(dinsos_operator)
    back = reverse("dukcapil:review") + "?outcome=nik_mistyped"
    note = "Dicek dengan KK asli di kelurahan"
    response = client.post(
        reverse("dukcapil:review-bulk"), {"decision": "reject", "note": note, "next": back}
    )
    assert response.status_code == 200
    form = response.context["bulk"]
    assert form.errors["outcome"] and form["note"].value() == note
    assert form["decision"].value() == "reject"
    assert response.context["filters"]["outcome"].value() == "nik_mistyped"
    html = response.content.decode()
    assert 'id="error-summary"' in html and "Centang" in html and note in html
    assert f'name="next" value="{back}"' in html
    assert response.context["pager_path"] == reverse("dukcapil:review")
