"""Production headers (Content-Security-Policy, Permissions-Policy), no inline script in any
template, and a weak secret key refused at start."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

ROOT = Path(django_settings.BASE_DIR)
STRONG_KEY = "k7#Qz9!pL2@xW4$rT6^yU8&iO0*aS1(dF3)gH5_jK7+lZ9-xC2=vB4"


def production_settings(**env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings under the production profile in a fresh interpreter."""
    environment = {
        **os.environ,
        "KDS_PROFILE": "production",
        "DJANGO_ALLOWED_HOSTS": "kds.depok.go.id",
        "DJANGO_SECRET_KEY": STRONG_KEY,
        **env,
    }
    environment.pop("KDS_CSP_REPORT_ONLY", None)
    code = (
        "from depok_kds import settings as s;"
        "print(s.KDS_CSP_REPORT_ONLY, s.KDS_CONTENT_SECURITY_POLICY, sep='|')"
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "key",
    [
        "a" * 60,  # long, but five different characters are too few
        "django-insecure-" + STRONG_KEY,  # Django's generated development key
        STRONG_KEY[:40],  # too short
    ],
)
def test_production_refuses_a_weak_secret_key_at_start(key):
    started = production_settings(DJANGO_SECRET_KEY=key)
    assert started.returncode != 0
    assert "DJANGO_SECRET_KEY is weak" in started.stderr


def test_production_starts_with_a_strong_key_and_enforces_the_policy():
    started = production_settings()
    assert started.returncode == 0, started.stderr
    report_only, policy = started.stdout.strip().split("|")
    assert report_only == "False"
    assert "script-src 'self';" in policy


@pytest.mark.django_db
def test_pages_carry_the_content_security_policy_and_permissions_policy(
    client: Client, dinsos_operator, settings
):
    settings.KDS_CSP_REPORT_ONLY = False
    client.force_login(dinsos_operator)
    response = client.get("/registry/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval, no CDN
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    settings.KDS_CSP_REPORT_ONLY = True
    assert "Content-Security-Policy-Report-Only" in client.get("/registry/")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def test_no_template_holds_an_inline_script_or_handler():
    found = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL):
            found += [f"{template.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert found == [], "move these into a file under static/js/"


def test_the_admin_export_binds_its_select_all_toggle_from_a_script_file(
    client: Client, dinsos_admin: object
) -> None:
    # django-import-export's own page binds the toggle with an inline onchange, which the
    # policy blocks; the project's override loads a script file that binds it instead.
    client.force_login(dinsos_admin)  # type: ignore[arg-type]

    page = client.get("/admin/registry/household/export/")

    assert page.status_code == 200
    assert "js/export-select-toggle.js" in page.content.decode()
