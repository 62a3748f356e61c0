"""Browser tests: Playwright driving Debian's Chromium (installed by `make browser`).

Each test module marks itself `e2e`, `xdist_group("browser")` and
`django_db(transaction=True, serialized_rollback=True)`: the live server sees only
committed data, and serialized rollback keeps the data migrations' rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.outside import watch_outside_requests

CHROMIUM = Path(os.environ.get("KDS_CHROMIUM", "/usr/bin/chromium"))
# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser` to install Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def _context(browser, live_server):
    return browser.new_context(base_url=live_server.url, locale="id-ID")


def sign_in(page, user, password: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/")


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = _context(browser, live_server)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def login(page, persona_password):
    def do_login(user) -> None:
        sign_in(page, user, persona_password)

    return do_login


@pytest.fixture
def session(browser, live_server, persona_password):
    """A signed-in page per persona, each in a browser context of its own."""
    contexts = []

    def open_as(user):
        context = _context(browser, live_server)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, user, persona_password)
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def outside_requests(page, live_server) -> list[str]:
    """The URLs `page` asked for outside the server under test (each one aborted)."""
    return watch_outside_requests(page.context, live_server.url)
