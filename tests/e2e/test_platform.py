"""A person logs in, switches the language, and watches a job finish."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_login_switch_language_and_watch_a_job(
    dinsos_operator, page, login, celery_worker_process, settings
):
    settings.KDS_DEMO_TOOLS = True  # the demo job is offered on a demo installation only
    login(dinsos_operator)
    expect(page.locator("h1")).to_have_text("Dasbor")

    page.click("button[data-lang=en]")
    expect(page.locator("h1")).to_have_text("Dashboard")

    page.fill("#id_n", "8")
    page.click("#start-demo-job")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    progress = page.locator("#job-progress")
    # The bar is polled by htmx while the worker counts; it ends at 100% and stops polling.
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(progress.locator(".percent")).to_have_text("100%")
    expect(progress.locator(".status")).to_have_text("Succeeded")
    page.screenshot(path="var/e2e-job-finished.png")


def test_wrong_password_shows_a_message_in_indonesian(dinsos_operator, page):
    page.goto("/login/")
    page.fill("#id_username", dinsos_operator.username)
    page.fill("#id_password", "salah")
    page.click("button[type=submit].primary")
    expect(page.locator("[role=alert]")).to_have_text(
        "Nama pengguna atau sandi salah. Perhatikan huruf besar dan kecil."
    )
