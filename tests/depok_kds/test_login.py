"""Login, lockout after repeated failures, logout and password change."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from depok_kds.models import AuditEntry

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_with_right_password_reaches_dashboard(client, dinsos_operator, persona_password):
    response = login(client, dinsos_operator.username, persona_password)
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_repeated_wrong_passwords_lock_the_account_with_a_message(
    client, dinsos_operator, settings, persona_password
):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(2):
        response = login(client, dinsos_operator.username, "wrong")
        assert "terkunci" not in response.content.decode()
    response = login(client, dinsos_operator.username, "wrong")
    assert "terkunci" in response.content.decode()  # Indonesian by default
    # Even the right password is refused while locked.
    response = login(client, dinsos_operator.username, persona_password)
    assert response.status_code == 200
    assert "terkunci" in response.content.decode()
    assert AuditEntry.objects.filter(action="user.lock", target_id=str(dinsos_operator.pk)).exists()


def test_lock_expires(client, dinsos_operator, settings, persona_password):
    settings.LOGIN_FAILURE_LIMIT = 1
    settings.LOGIN_LOCKOUT_MINUTES = 0
    login(client, dinsos_operator.username, "wrong")
    assert login(client, dinsos_operator.username, persona_password).status_code == 302


def test_success_resets_the_failure_count(client, dinsos_operator, settings, persona_password):
    settings.LOGIN_FAILURE_LIMIT = 3
    login(client, dinsos_operator.username, "wrong")
    login(client, dinsos_operator.username, "wrong")
    assert login(client, dinsos_operator.username, persona_password).status_code == 302
    client.logout()
    login(client, dinsos_operator.username, "wrong")
    assert login(client, dinsos_operator.username, persona_password).status_code == 302


def test_logout_needs_post_and_ends_the_session(client, dinsos_operator):
    client.force_login(dinsos_operator)
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_password_change(client, dinsos_operator, persona_password):
    client.force_login(dinsos_operator)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": persona_password,
            "new_password1": "Baru-sekali-2026!",
            "new_password2": "Baru-sekali-2026!",
        },
    )
    assert response.status_code == 302
    dinsos_operator.refresh_from_db()
    assert dinsos_operator.check_password("Baru-sekali-2026!")
