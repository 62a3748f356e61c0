"""Under the production Content-Security-Policy the portal's pages run without a violation,
and the search's export link still carries the filters typed into the form."""

from __future__ import annotations

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_pages_run_under_the_policy_and_the_export_keeps_the_filters(
    dinsos_operator, page, login, settings
):
    settings.KDS_CSP_REPORT_ONLY = False  # enforced, as in production
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    login(dinsos_operator)
    page.goto("/registry/")
    page.fill("form[role=search] [name=q]", "Slamet")
    with page.expect_request("**/registry/export.xlsx?**") as request:
        page.click("#export-xlsx")
    assert "q=Slamet" in request.value.url  # set by static/js/search-export.js
    page.goto("/")
    assert [text for text in refused if "Content Security Policy" in text] == []
