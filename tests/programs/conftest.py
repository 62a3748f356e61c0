from __future__ import annotations

import pytest

from depok_kds.accounts import user_create
from depok_kds.models import User
from depok_kds.roles import Role
from tests.conftest import PASSWORD


@pytest.fixture
def disdik_officer(db: None) -> User:
    return user_create(
        username="disdik", password=PASSWORD, role=Role.AGENCY_OFFICER, agency_code="DISDIK"
    )


@pytest.fixture
def disnaker_officer(db: None) -> User:
    return user_create(
        username="disnaker", password=PASSWORD, role=Role.AGENCY_OFFICER, agency_code="DISNAKER"
    )


@pytest.fixture(autouse=True)
def _no_approval_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test the programme core on its own: the checks that other apps add before approval
    (verification, overlap) are tested in their own suites, where the gates are active."""
    from programs import services

    monkeypatch.setattr(services, "APPROVAL_GATES", [])
