from __future__ import annotations

import pytest

from tests.registry.factories import HouseholdFactory
from verification import demo
from verification.models import Complaint, FieldVisit

pytestmark = pytest.mark.django_db


def test_demo_seed_adds_visits_and_complaints_in_the_demo_kelurahan_once():
    for _ in range(5):
        HouseholdFactory(kelurahan_id=demo.DEMO_KELURAHAN)
    demo.seed(households=5)
    assert FieldVisit.objects.filter(kelurahan_code=demo.DEMO_KELURAHAN).count() == 3
    assert Complaint.objects.filter(kelurahan_code=demo.DEMO_KELURAHAN).count() == 3
    assert "already present" in demo.seed(households=5)
    assert Complaint.objects.count() == 3
