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


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def login(page, persona_password):
    def do_login(user) -> None:
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", persona_password)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/")

    return do_login
