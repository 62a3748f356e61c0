"""Login, pauses after repeated failures (per address and account, per address), logout and
password change."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from depok_kds.accounts import login_failure_record, login_paused_until, login_pauses_clear
from depok_kds.models import AuditEntry

pytestmark = pytest.mark.django_db

PAUSED = "Terlalu banyak percobaan masuk yang gagal"


@pytest.fixture(autouse=True)
def _no_earlier_failures() -> None:
    cache.clear()


def _error(response) -> str:
    assert response.status_code == 200
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_with_right_password_reaches_dashboard(client, dinsos_operator, persona_password):
    response = login(client, dinsos_operator.username, persona_password)
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_repeated_wrong_passwords_pause_the_login_with_a_message(
    client, dinsos_operator, settings, persona_password
):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(2):
        response = login(client, dinsos_operator.username, "wrong")
        assert "Coba lagi" not in response.content.decode()
        assert PAUSED not in response.content.decode()
    response = login(client, dinsos_operator.username, "wrong")
    assert PAUSED in response.content.decode()  # Indonesian by default
    # Even the right password is refused while paused.
    response = login(client, dinsos_operator.username, persona_password)
    assert response.status_code == 200
    assert PAUSED in response.content.decode()
    assert AuditEntry.objects.filter(
        action="login.pause", target_id=str(dinsos_operator.pk)
    ).exists()


def test_an_unknown_name_gets_the_same_answers_as_a_real_account(client, dinsos_operator, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    answers = {}
    for name in (dinsos_operator.username, "tidak.ada"):
        answers[name] = [_error(login(client, name, "wrong")) for _ in range(4)]
    assert answers[dinsos_operator.username] == answers["tidak.ada"]
    assert PAUSED in answers["tidak.ada"][2] and PAUSED in answers["tidak.ada"][3]


def test_a_stranger_cannot_keep_the_officer_out(dinsos_operator, settings, persona_password):
    settings.LOGIN_FAILURE_LIMIT = 5
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(12):
        login(stranger, dinsos_operator.username, "wrong")
    assert PAUSED in _error(login(stranger, dinsos_operator.username, persona_password))
    officer = Client(REMOTE_ADDR="10.20.0.15")
    assert login(officer, dinsos_operator.username, persona_password).status_code == 302


def test_the_pause_doubles_for_a_pair_that_keeps_failing(client, dinsos_operator, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_LOCKOUT_MINUTES = 10
    for _ in range(2):
        login_failure_record(address="203.0.113.9", username=dinsos_operator.username)
    first = login_paused_until(address="203.0.113.9", username=dinsos_operator.username)
    for _ in range(2):
        login_failure_record(address="203.0.113.9", username=dinsos_operator.username)
    second = login_paused_until(address="203.0.113.9", username=dinsos_operator.username)
    assert first is not None and second is not None
    now = timezone.now()
    assert 9 * 60 < (first - now).total_seconds() <= 10 * 60
    assert 19 * 60 < (second - now).total_seconds() <= 20 * 60


def test_one_address_trying_many_names_is_paused(
    client, dinsos_operator, settings, persona_password
):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    for n in range(10):
        login(client, f"tebakan{n}", "wrong")  # each name fails once: no pair is paused
    assert PAUSED in _error(login(client, dinsos_operator.username, persona_password))
    assert (
        Client(REMOTE_ADDR="10.20.0.15")
        .post(
            reverse("login"), {"username": dinsos_operator.username, "password": persona_password}
        )
        .status_code
        == 302
    )
    assert AuditEntry.objects.filter(action="login.pause_address").exists()


def test_the_wrong_password_message_reads_well(client, dinsos_operator):
    message = _error(login(client, dinsos_operator.username, "wrong"))
    assert message == "Nama pengguna atau sandi salah. Perhatikan huruf besar dan kecil."


def test_an_administrator_lifts_the_pause(client, dinsos_operator, settings, persona_password):
    settings.LOGIN_FAILURE_LIMIT = 1
    login(client, dinsos_operator.username, "wrong")
    assert PAUSED in _error(login(client, dinsos_operator.username, persona_password))
    login_pauses_clear(users=[dinsos_operator], actor=None)
    assert login(client, dinsos_operator.username, persona_password).status_code == 302


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
