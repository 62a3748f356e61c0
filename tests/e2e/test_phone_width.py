"""Every portal page, as each persona, on a phone (390 x 844): nothing wider than the
screen, and nothing requested from outside the server.

The walk is built from the URL configuration, so a new portal page is either walked or
named in NOT_WALKED with its reason: it cannot be forgotten.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from depok_kds.accounts import user_create
from depok_kds.jobs import job_start
from depok_kds.models import Job
from depok_kds.roles import Role
from depok_kds.tasks import DEMO_KIND
from distribution.cards.printing import print_run_start
from distribution.cards.signing import token_sign
from programs.services import application_submit
from registry.dukcapil.models import MatchOutcome, MatchRun
from registry.export import household_export_start
from registry.household_edit_views import ACTIONS
from registry.models import Ruleset
from tests.cards.factories import family_card
from tests.conftest import PASSWORD
from tests.distribution.factories import beneficiary, new_batch, sent
from tests.dukcapil.factories import dkb_csv, load_extract, numbered_rows
from tests.overlap.test_panels import finding
from tests.programs.factories import applicant, open_cycle
from tests.programs.test_programme_rules import COURSE, TRAINEE_BORN
from tests.registry.test_imports_support import csv_bytes, family, preview
from tests.verification.factories import in_verification, received_complaint
from verification.models import FieldVisit

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
# Not pages a person reads on a screen, or not portal pages at all.
NOT_WALKED = {
    "login": "the sign-in page is walked before signing in",
    "logout": "POST only",
    "set_language": "POST only",
    "jobs:demo-start": "POST only",
    "registry:ruleset-activate": "POST only",
    "registry:ruleset-simulate": "POST only (starts a job)",
    "registry:export": "a file download",
    "registry:export-file": "a file download",
    "registry:import-confirm": "POST only",
    "registry:import-template": "a file download",
    "dukcapil:run-start": "POST only",
    "dukcapil:review-bulk": "POST only",
    "programs:decree-new": "POST only",
    "programs:import": "POST only",
    "programs:act": "POST only",
    "programs:decree-export": "a file download (PDF/XLSX)",
    "programs:report-xlsx": "a file download",
    "overlap:detect": "POST only",
    "overlap:report-xlsx": "a file download",
    "overlap:ledger-xlsx": "a file download",
    "overlap:cap-set": "POST only",
    "overlap:pair-add": "POST only",
    "overlap:pair-remove": "POST only",
    "verification:verdict": "POST only",
    "verification:check-evidence": "POST only",
    "verification:visit-assign": "POST only",
    "verification:visit-evidence": "POST only",
    "verification:evidence": "a file download",
    "verification:resolve": "POST only",
    "verification:complaint-evidence": "POST only",
    "verification:complaint-act": "POST only",
    "programs:import-commit": "POST only",
    "distribution:file": "a file download",
    "distribution:deactivations": "a file download",
    "distribution:return-upload": "POST only (the batch page holds its form)",
    "distribution:return-apply": "POST only",
    "distribution:act": "POST only",
    "distribution:reissue": "POST only",
    "distribution:lpj": "POST only (the batch page holds its form)",
    "distribution:report-xlsx": "a file download",
    "cards:print-file": "a file download",
    "cards:pdf": "a file download",
    "cards:action": "POST only",
    "cards:issue": "POST only",
    "cards:print": "POST only (starts a print job)",
    "cards:request": "POST only",
    "scorecard:run": "POST only (starts a job)",
    "transition:recompute": "POST only (starts a job)",
    "transition:decide": "POST only",
    "transition:report-xlsx": "a file download",
    "distribution:bpjs-quarter": "a file download",
}
SKIPPED_PREFIXES = ("admin/", "api/", "i18n/")


def portal_patterns() -> list[tuple[str, str]]:
    """(name, route) of every portal URL pattern."""
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str, ns: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(
                    p.url_patterns,
                    prefix + str(p.pattern),
                    ns + (f"{p.namespace}:" if p.namespace else ""),
                )
            elif isinstance(p, URLPattern) and p.name:
                route = prefix + str(p.pattern)
                if not route.startswith(SKIPPED_PREFIXES):
                    found.append((ns + p.name, route))

    walk(get_resolver().url_patterns, "", "")
    return found


@pytest.fixture
def city(dinsos_admin, dinsos_operator, puskesos_a, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)  # uploads and job files of the rows made here
    application = in_verification("kis-pbi-apbd")
    household = application.household
    visit = FieldVisit.objects.filter(household=household).first()
    complaint = received_complaint(
        application, description="Keluarga miskin belum menerima bantuan apa pun"
    )
    job = job_start(kind=DEMO_KIND, requested_by=dinsos_admin, params={"n": 3})
    # A row for every page with an id, made by the services the other suites use.
    imported = preview(dinsos_operator, "households", csv_bytes(family(901, first_serial=901)))
    exported = household_export_start(actor=dinsos_operator, filters={})
    extract = load_extract(dkb_csv(numbered_rows(2)), actor=dinsos_admin)
    run = MatchRun.objects.create(
        job=Job.objects.create(kind="dukcapil.match", requested_by=dinsos_admin),
        source="web_service",
        scope="all",
    )
    outcome = MatchOutcome.objects.create(
        run=run,
        person=application.person,
        outcome="differences",
        score=0.8,
        review_status="pending",
    )
    found = finding("national_list", agency="DINSOS", kelurahan=household.kelurahan_id)
    trainee = applicant(birth_date=TRAINEE_BORN)
    training = application_submit(
        actor=None,
        cycle_id=open_cycle("pelatihan-keterampilan").pk,
        person_id=trainee.pk,
        channel="agency",
        detail=COURSE,
    )
    beneficiary()
    approver = user_create(username="admin2", password=PASSWORD, role=Role.DINSOS_ADMIN)
    batch = sent(
        new_batch("pendidikan-sma", actor=dinsos_admin), preparer=dinsos_admin, approver=approver
    )
    line = batch.lines.first()
    card = family_card()
    printing = print_run_start(actor=puskesos_a, kelurahan_code=household.kelurahan_id)
    member_action = next(name for name, a in ACTIONS.items() if a.on_member)
    household_action = next(name for name, a in ACTIONS.items() if not a.on_member)
    args = {
        "jobs:detail": [job.pk],
        "registry:household": [household.pk],
        "registry:assessment": [household.pk],
        "registry:assessment-new": [household.pk],
        "registry:household-desil": [household.pk],
        "registry:household-action": [household.pk, household_action],
        "registry:member-action": [household.pk, application.person_id, member_action],
        "registry:ruleset": [Ruleset.objects.first().pk],
        "registry:import-upload": ["households"],
        "programs:programme": [application.programme_id],
        "programs:cycle": [application.cycle_id],
        "programs:apply": [application.cycle_id],
        "programs:application": [application.pk],
        "verification:application": [application.pk],
        "verification:visit": [visit.pk] if visit else None,
        "verification:complaint": [complaint.pk],
        "registry:import-job": [imported.pk],
        "registry:export-job": [exported.pk],
        "dukcapil:extract": [extract.pk],
        "dukcapil:run": [run.pk],
        "dukcapil:outcome": [outcome.pk],
        "overlap:finding": [found.pk],
        "training:attendance": [training.pk],
        "distribution:batch": [batch.pk],
        "cards:detail": [card.pk],
        "cards:print-job": [printing.pk],
        "card-verify": [token_sign(card.number)],
        "card-check": [token_sign(card.number)],
        "distribution:pay": [line.pk],
        "programs:exit": [line.enrolment_id],
        "distribution:handover": [line.pk],
        "scorecard:measure": ["nik_missing"],
        "scorecard:list": ["nik_missing", household.kelurahan_id],
    }
    return args


def _url(route: str, values: list) -> str:
    parts = route.split("<")
    url = parts[0]
    for value, part in zip(values, parts[1:], strict=True):
        url += f"{value}{part.split('>', 1)[1]}"
    return "/" + url


def test_every_portal_pattern_is_walked_or_excused(city):
    missing = [
        name
        for name, route in portal_patterns()
        if "<" in route and name not in city and name not in NOT_WALKED
    ]
    assert missing == []


@pytest.mark.parametrize(
    "persona",
    ["dinsos_admin", "dinsos_operator", "puskesos_a", "dinkes_officer", "disrumkim_officer",
     "leader", "auditor_user"],
)  # fmt: skip
def test_every_page_fits_a_phone(persona, request, city, browser, live_server, persona_password):
    user = request.getfixturevalue(persona)
    context = browser.new_context(base_url=live_server.url, locale="id-ID", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    outside: list[str] = []
    server = urlsplit(live_server.url).netloc
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if urlsplit(r.url).scheme in ("http", "https") and urlsplit(r.url).netloc != server
            else None
        ),
    )
    shots = os.environ.get("KDS_SHOTS")
    too_wide: dict[str, int] = {}
    walked = 0
    try:
        page.goto("/login/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.fill("#id_username", user.username)
        page.fill("#id_password", persona_password)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/")
        for name, route in portal_patterns():
            if name in NOT_WALKED:
                continue
            values = city.get(name, []) if "<" in route else []
            if values is None:
                continue
            response = page.goto(_url(route, values))
            if response is None or response.status >= 400:
                continue  # not this persona's page: the access tests cover the refusal
            walked += 1
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[name] = width
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(
                    path=f"{shots}/{persona}--{name.replace(':', '-')}.png", full_page=True
                )
    finally:
        context.close()
    assert walked >= 3, f"{persona} could open only {walked} pages"
    assert too_wide == {}, f"wider than {PHONE['width']} px for {persona}: {too_wide}"
    assert outside == []
