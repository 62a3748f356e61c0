"""Browser test of Dukcapil matching: a Dinsos operator loads a DKB extract, runs the
matching, and confirms what the run proposes; a Puskesos officer may not match the city."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, Page, expect
from pytest_django.fixtures import Settings

from depok_kds.models import User
from registry.dukcapil.models import DkbExtract, MatchOutcome, MatchRun
from registry.models import Person
from tests.conftest import KELURAHAN_DEPOK
from tests.dukcapil.factories import dkb_csv, household_with, row_of
from tests.registry.factories import make_kk, make_nik

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DIED_ON = date(2025, 11, 30)
Session = Callable[[User], Page]


@pytest.fixture
def media_root(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Uploads in a temporary folder, for the live server and the worker alike."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    monkeypatch.setenv("KDS_MEDIA_ROOT", str(media))  # read by the worker when it starts
    return media


@pytest.fixture
def worker(media_root: Path, celery_worker_process: Callable[[], subprocess.Popen[bytes]]) -> None:
    """A real Celery worker, started after the media folder is chosen."""


@dataclass
class Family:
    head: Person  # Dukcapil agrees with the registry
    wife: Person  # died, says Dukcapil
    child: Person  # registered with two digits of the NIK swapped
    child_registered_nik: str  # as typed into the registry
    child_nik: str  # the child's NIK at Dukcapil
    extract: bytes


@pytest.fixture
def family() -> Family:
    """A registered household and the DKB extract Dukcapil would send about it."""
    kk = make_kk(701)
    head_born, wife_born, child_born = date(1980, 5, 5), date(1982, 6, 7), date(2010, 8, 9)
    child_nik = make_nik(child_born, "M", 24)
    mistyped = child_nik[:14] + child_nik[15] + child_nik[14]
    assert mistyped != child_nik
    _, kk, (head, wife, child) = household_with(
        [
            {"full_name": "Budi Santoso", "sex": "M", "birth_date": head_born,
             "birth_place": "Depok", "nik": make_nik(head_born, "M", 11), "relationship": "1"},
            {"full_name": "Siti Aminah", "sex": "F", "birth_date": wife_born,
             "birth_place": "Depok", "nik": make_nik(wife_born, "F", 12), "relationship": "3"},
            {"full_name": "Rizky Pratama", "sex": "M", "birth_date": child_born,
             "birth_place": "Depok", "nik": mistyped},
        ],
        kelurahan=KELURAHAN_DEPOK,
        kk=kk,
    )  # fmt: skip
    rows = [
        row_of(head, kk=kk),
        row_of(wife, kk=kk, deceased_on=DIED_ON),
        row_of(child, kk=kk, nik=child_nik),
    ]
    return Family(
        head=head,
        wife=wife,
        child=child,
        child_registered_nik=mistyped,
        child_nik=child_nik,
        extract=dkb_csv(rows),
    )


def open_from_queue(page: Page, outcome: str) -> int:
    """Go from the matching page to the review queue and open the one outcome of a kind."""
    page.goto("/dukcapil/")
    page.click('#extract a[href="/dukcapil/review/"]')
    row = page.locator(f'tr.outcome-row[data-outcome="{outcome}"]')
    expect(row).to_have_count(1)
    outcome_id = int(row.get_attribute("data-id") or 0)
    row.locator(f'a[href="/dukcapil/outcomes/{outcome_id}/"]').click()
    expect(page.locator("#outcome")).to_have_attribute("data-outcome", outcome)
    expect(page.locator("#review-status")).to_have_attribute("data-status", "pending")
    return outcome_id


def decide(page: Page, decision: str) -> None:
    """Confirm or reject the outcome open on the page."""
    form = page.locator("#review")
    form.locator("#id_decision").select_option(decision)
    form.locator("#id_note").fill("Dicek dengan data Dukcapil")
    page.click("#review-save")
    expect(page.locator("#review-status")).to_have_attribute("data-status", f"{decision}ed")
    expect(page.locator("#review")).to_have_count(0)


def test_an_operator_loads_an_extract_matches_and_reviews(
    session: Session, worker: None, family: Family, dinsos_operator: User
) -> None:
    operator = session(dinsos_operator)

    # 1. Load the semester's DKB extract; a worker loads it while the page shows progress.
    operator.click('nav.mainnav a[href="/dukcapil/"]')
    operator.click('#extract a[href="/dukcapil/extracts/"]')
    operator.fill("#id_semester", "2025-2")
    operator.set_input_files(
        "#id_file", FilePayload(name="dkb.csv", mimeType="text/csv", buffer=family.extract)
    )
    operator.click("#extract-load")
    operator.wait_for_url(re.compile(r"/dukcapil/extracts/\d+/$"))
    progress = operator.locator("#job-progress")
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(progress.locator(".percent")).to_have_text("100%")
    # The page reloads once the job has finished: the extract is now the active one.
    expect(operator.locator("#extract-status")).to_have_attribute("data-status", "active")
    extract = DkbExtract.objects.get()
    assert (extract.status, extract.row_count, extract.bad_row_count) == ("active", 3, 0)

    # 2. Start a run over every person and watch it finish; the summary counts each outcome.
    operator.goto("/dukcapil/")
    operator.select_option("#id_source", "dkb")
    operator.select_option("#id_scope", "all")
    operator.click("#run-start")
    operator.wait_for_url(re.compile(r"/dukcapil/runs/\d+/$"))
    run = MatchRun.objects.get()
    assert operator.url.endswith(f"/dukcapil/runs/{run.pk}/")
    progress = operator.locator("#progress #job-progress")
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(progress.locator(".percent")).to_have_text("100%")
    # The page reloads once the run has finished, with its summary and outcomes.
    summary = operator.locator("#summary")
    expect(summary.locator("#summary-persons")).to_have_attribute("data-persons", "3")
    expect(summary.locator("#summary-persons")).to_have_attribute("data-pending", "2")
    per_outcome = summary.locator("#per-outcome")
    expect(per_outcome.locator('tr[data-outcome="matched"]')).to_have_attribute("data-count", "1")
    expect(per_outcome.locator('tr[data-outcome="nik_mistyped"]')).to_have_attribute(
        "data-count", "1"
    )
    expect(per_outcome.locator('tr[data-outcome="deceased"]')).to_have_attribute("data-count", "1")
    outcomes = operator.locator("#outcomes tr.outcome-row")
    expect(outcomes).to_have_count(3)

    # 3. Confirm the mistyped NIK, looking at both numbers side by side first.
    mistyped_id = open_from_queue(operator, "nik_mistyped")
    side = operator.locator("#side-by-side")
    expect(side.locator("#nik-registry")).to_have_text(family.child_registered_nik)
    expect(side.locator("#nik-dukcapil")).to_have_text(family.child_nik)
    decide(operator, "confirm")
    child = Person.objects.get(pk=family.child.pk)
    assert (child.nik, child.nik_status) == (family.child_nik, "valid")
    mistyped = MatchOutcome.objects.get(pk=mistyped_id)
    assert (mistyped.run_id, mistyped.person_id) == (run.pk, family.child.pk)
    assert (mistyped.review_status, mistyped.reviewed_by) == ("confirmed", dinsos_operator)

    # The death Dukcapil reported: its date is shown beside the registry, and confirming
    # records it.
    death_id = open_from_queue(operator, "deceased")
    expect(operator.locator('#side-by-side tr[data-field="event_date"]')).to_be_visible()
    decide(operator, "confirm")
    wife = Person.objects.get(pk=family.wife.pk)
    assert (wife.is_deceased, wife.death_date) == (True, DIED_ON)
    death = MatchOutcome.objects.get(pk=death_id)
    assert (death.person_id, death.review_status) == (family.wife.pk, "confirmed")

    # Nothing is left to review; the head's match changed nothing.
    operator.goto("/dukcapil/review/")
    expect(operator.locator("tr.outcome-row")).to_have_count(0)
    head = Person.objects.get(pk=family.head.pk)
    assert (head.nik, head.is_deceased) == (family.head.nik, False)


def test_a_puskesos_officer_cannot_match_the_whole_city(session: Session, puskesos_a: User) -> None:
    officer = session(puskesos_a)
    officer.goto("/dukcapil/")
    expect(officer.locator("#runs")).to_be_visible()
    expect(officer.locator("#start")).to_have_count(0)
    expect(officer.locator("#run-start")).to_have_count(0)
    expect(officer.locator('a[href="/dukcapil/extracts/"]')).to_have_count(0)
    response = officer.goto("/dukcapil/extracts/")
    assert response is not None and response.status == 403
    assert not MatchRun.objects.exists()
