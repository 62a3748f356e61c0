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
    response = client.post(reverse("dukcapil:review-bulk"), {"decision": "confirm", "next": back})
    assert response["Location"] == back
