from __future__ import annotations

import pytest

from registry import demo
from registry.models import Household, Person

pytestmark = pytest.mark.django_db


def test_seed_registers_households_once() -> None:
    assert "10 households" in demo.seed(households=10)
    assert Household.objects.count() == 10
    assert Household.objects.filter(head__isnull=True).count() == 0
    assert Person.objects.filter(nik__isnull=False).count() >= 20
    assert "already present" in demo.seed(households=10)
    assert Household.objects.count() == 10
