from __future__ import annotations

import pytest

from depok_kds.accounts import user_create
from depok_kds.models import User
from depok_kds.roles import Role
from tests.conftest import PASSWORD


@pytest.fixture
def second_admin(db: None) -> User:
    """Another Dinsos administrator, to approve what the first prepared."""
    return user_create(username="admin2", password=PASSWORD, role=Role.DINSOS_ADMIN)


@pytest.fixture(autouse=True)
def _media(settings: pytest.FixtureRequest, tmp_path: object) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
