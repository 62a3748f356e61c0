"""Shared fixtures: named personas (one per role and scope), API clients, a real worker."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator

import pytest
from django.conf import settings
from django.utils import translation

from depok_kds.access import CITY_WIDE_SCOPE
from depok_kds.accounts import user_create
from depok_kds.api_clients import api_client_create
from depok_kds.models import ApiClient, User
from depok_kds.roles import Role

# Personas are created by the thousand (the URL walk tries every route as several of them);
# the production hasher's deliberate slowness would dominate the suite's time.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

PASSWORD = "persona-pass-2026"
KELURAHAN_DEPOK = "32.76.01.1006"  # Depok, Pancoran Mas
KELURAHAN_TUGU = "32.76.02.1009"  # Tugu, Cimanggis


def _persona(username: str, role: Role, **scope: object) -> User:
    return user_create(username=username, password=PASSWORD, role=role, **scope)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts in the site's language (Indonesian): a request made in English by an
    earlier test on the same worker leaves English active on the thread otherwise."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> None:
    """Let serialized rollback work on every connection object, not only the first.

    Playwright's sync API runs its own event loop; afterwards Django hands this thread a
    new connection object (connections are context-local), which lacks the serialized
    copy of the data migrations' rows (roles, wilayah) that transactional tests restore
    after each flush. Keeping that copy on the connection class makes it visible to all.
    """
    from django.db import connections

    connection = connections["default"]
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents is not None:
        type(connection)._test_serialized_contents = contents


@pytest.fixture
def persona_password() -> str:
    return PASSWORD


@pytest.fixture
def dinsos_admin(db: None) -> User:
    return _persona("admin", Role.DINSOS_ADMIN)


@pytest.fixture
def dinsos_operator(db: None) -> User:
    return _persona("operator", Role.DINSOS_OPERATOR)


@pytest.fixture
def puskesos_a(db: None) -> User:
    """Puskesos officer of kelurahan Depok (Pancoran Mas)."""
    return _persona("puskesos.depok", Role.PUSKESOS_OFFICER, kelurahan_codes=[KELURAHAN_DEPOK])


@pytest.fixture
def puskesos_b(db: None) -> User:
    """Puskesos officer of kelurahan Tugu (Cimanggis)."""
    return _persona("puskesos.tugu", Role.PUSKESOS_OFFICER, kelurahan_codes=[KELURAHAN_TUGU])


@pytest.fixture
def dinkes_officer(db: None) -> User:
    return _persona("dinkes", Role.AGENCY_OFFICER, agency_code="DINKES")


@pytest.fixture
def disrumkim_officer(db: None) -> User:
    return _persona("disrumkim", Role.AGENCY_OFFICER, agency_code="DISRUMKIM")


@pytest.fixture
def colleague_of(db: None) -> Callable[[User], User]:
    """A second officer of the same agency: under four eyes, who proposed or verified an
    application cannot approve it."""

    def make(user: User) -> User:
        return _persona(f"{user.username}-2", Role.AGENCY_OFFICER, agency_code=user.agency_code)

    return make


@pytest.fixture
def leader(db: None) -> User:
    return _persona("pimpinan", Role.LEADERSHIP)


@pytest.fixture
def auditor_user(db: None) -> User:
    return _persona("auditor", Role.AUDITOR)


ApiClientFactory = Callable[..., tuple[ApiClient, str]]


@pytest.fixture
def api_client_factory(db: None) -> ApiClientFactory:
    """Make an API client with `scopes`; return it with its key (send as `Bearer <key>`)."""
    numbers = itertools.count(1)

    def make(
        scopes: Iterable[str],
        *,
        kelurahan_codes: Iterable[str] = (),
        agency_code: str = "",
        rate: str = "",
        city_wide: bool = True,
    ) -> tuple[ApiClient, str]:
        # A client with neither an agency nor a kelurahan is city-wide only by an explicit
        # scope; the tests' unscoped clients ask for it unless `city_wide=False`.
        unscoped = not kelurahan_codes and not agency_code
        if city_wide and unscoped:
            scopes = [*scopes, CITY_WIDE_SCOPE]
        return api_client_create(
            name=f"test-client-{next(numbers)}",
            scopes=scopes,
            kelurahan_codes=kelurahan_codes,
            agency_code=agency_code,
            rate=rate,
        )

    return make


@pytest.fixture
def celery_worker_process(
    transactional_db: None,
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """Start real Celery worker processes on the test database and a queue of their own.

    Tests using it mark themselves `django_db(transaction=True, serialized_rollback=True)`
    so that data migrations (roles, wilayah) survive the flush after each test.
    Yields a function that starts one more worker (tests that kill a worker start another);
    every worker is stopped afterwards. The broker is whatever the settings say: the local
    file-system broker by default, Redis when CELERY_BROKER_URL points at it (CI).
    """
    from django.db import connection

    from depok_kds.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    env = {
        **os.environ,
        "KDS_DATABASE_NAME": connection.settings_dict["NAME"],
        "KDS_JOB_LEASE_SECONDS": "3",
        "KDS_JOB_TAKEOVER_SECONDS": "1",
        "KDS_CELERY_QUEUE": queue,  # what the workers themselves queue goes to them too
    }
    workers: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        worker = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "depok_kds",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "-Q",
                queue,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=settings.BASE_DIR,
            env=env,
        )
        workers.append(worker)
        return worker

    start.workers = workers  # type: ignore[attr-defined]
    start()
    try:
        yield start
    finally:
        app.conf.task_default_queue = previous_queue
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()


def dashboard_panel(client, user: User, panel_id: str) -> str:
    """The HTML of one panel of the dashboard as `user` sees it."""
    from django.urls import reverse

    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    panel = page[page.index(f'id="{panel_id}"') :]
    return panel[: panel.index("</section>")]
