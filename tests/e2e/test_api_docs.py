"""The API docs (Swagger UI and Redoc) work without internet, and no page asks outside."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_swagger_ui_renders_from_the_server_alone(page, outside_requests):
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Depok KDS API", timeout=60_000
    )
    expect(page.locator(".opblock").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert outside_requests == []


def test_redoc_renders_from_the_server_alone(page, outside_requests):
    page.goto("/api/redoc/")
    # Redoc renders the whole schema before showing anything: slow on a busy machine.
    expect(page.locator("h1").first).to_contain_text("Depok KDS API", timeout=90_000)
    page.wait_for_load_state("networkidle")
    assert outside_requests == []


def test_the_login_page_and_dashboard_ask_nothing_outside(
    page, outside_requests, login, dinsos_operator
):
    login(dinsos_operator)
    expect(page.locator("h1")).to_have_text("Dasbor")
    page.wait_for_load_state("networkidle")
    assert outside_requests == []
