from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from depok_kds.models import Job, User
from registry.models import Assessment, Household, Ruleset
from registry.services import ruleset_create
from tests.registry.factories import KELURAHAN_TUGU
from tests.registry.test_rulesets import draft_definition
from tests.registry.test_services_assessments import (
    POOR_24,
    PROVISIONAL,
    answers,
    record,
    register,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
RULESETS = reverse("registry:rulesets")
UPLOAD = reverse("registry:ruleset-upload")


def form_url(household: Household) -> str:
    return reverse("registry:assessment-new", args=[household.pk])


def panel_url(household: Household) -> str:
    return reverse("registry:assessment", args=[household.pk])


def form_data(chosen: dict[str, str], **extra: str) -> dict[str, str]:
    data = {f"answer_{code}": option for code, option in chosen.items()}
    return {
        **data,
        "source": "field_visit",
        "assessed_on": timezone.localdate().isoformat(),
        "ruleset_version": "PROVISIONAL-2026.1",
        **extra,
    }


def upload(definition: Any, name: str = "rules.json") -> SimpleUploadedFile:
    content = definition if isinstance(definition, bytes) else json.dumps(definition).encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


# --- the assessment form -----------------------------------------------------------------------


def test_form_shows_fourteen_radio_groups_with_the_rulesets_labels(
    client: Client, puskesos_a: User
) -> None:
    client.force_login(puskesos_a)
    page = client.get(form_url(register())).content.decode()
    groups = set(re.findall(r'type="radio" name="(answer_[a-z_]+)"', page))
    assert len(groups) == 14
    assert "Di bawah garis kemiskinan" in page  # an option label, Indonesian data
    assert "Penghasilan rata-rata per bulan" in page  # the parameter, in the page's language
    assert 'name="assessed_on"' in page and 'value="field_visit"' in page


def test_form_records_and_returns_to_the_household(client: Client, puskesos_a: User) -> None:
    household = register()
    client.force_login(puskesos_a)

    response = client.post(form_url(household), form_data(answers(**POOR_24)))

    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household", args=[household.pk]) + (
        "#assessment"
    )
    assessment = Assessment.objects.get(household=household)
    assert assessment.poverty_class == "rentan" and assessment.assessor == puskesos_a
    assert assessment.answers == answers(**POOR_24)


def test_form_prefills_the_current_answers(client: Client, puskesos_a: User) -> None:
    household = register()
    record(None, household)
    client.force_login(puskesos_a)
    page = client.get(form_url(household)).content.decode()
    assert re.search(r'name="answer_income" value="below_poverty_line"[^>]*checked', page)


def test_form_with_a_missing_answer_shows_the_error_at_that_parameter(
    client: Client, puskesos_a: User
) -> None:
    household = register()
    incomplete = answers(**POOR_24)
    del incomplete["medical_cost"]
    client.force_login(puskesos_a)

    response = client.post(form_url(household), form_data(incomplete))

    assert response.status_code == 400
    page = response.content.decode()
    last = page[page.index('id="parameter-14"') :]
    assert 'class="error"' in last[: last.index("</fieldset>")]
    assert not Assessment.objects.exists()


def test_form_shows_the_services_refusal_and_keeps_what_was_typed(
    client: Client, puskesos_a: User
) -> None:
    household = register()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    client.force_login(puskesos_a)
    client.cookies["django_language"] = "en"  # English texts asserted below

    response = client.post(
        form_url(household),
        form_data(answers(**POOR_24), assessed_on=tomorrow, source="self_report"),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["assessed_on"] == [
        "The assessment date is in the future."
    ]
    page = response.content.decode()
    summary = page[page.index('id="error-summary"') :]
    assert "The assessment date is in the future." in summary[: summary.index("</div>")]
    for code, option in POOR_24.items():
        assert re.search(rf'name="answer_{code}" value="{option}"[^>]*checked', page)
    assert re.search(r'name="source" value="self_report"[^>]*checked', page)
    assert f'name="assessed_on" value="{tomorrow}"' in page
    assert not Assessment.objects.exists()


def test_form_under_a_changed_ruleset_asks_to_check_again(client: Client, puskesos_a: User) -> None:
    household = register()
    client.force_login(puskesos_a)
    response = client.post(form_url(household), form_data(answers(), ruleset_version="OLD-1"))
    assert response.status_code == 200
    assert 'value="PROVISIONAL-2026.1"' in response.content.decode()
    assert not Assessment.objects.exists()


def test_form_access_by_persona(
    client: Client, puskesos_b: User, dinkes_officer: User, leader: User
) -> None:
    household = register()  # in kelurahan Depok
    client.force_login(puskesos_b)
    assert client.get(form_url(household)).status_code == 404
    assert client.post(form_url(household), form_data(answers())).status_code == 404
    for outsider in (dinkes_officer, leader):
        client.force_login(outsider)
        assert client.get(form_url(household)).status_code == 403
    assert not Assessment.objects.exists()


# --- the household page's panel ----------------------------------------------------------------


def test_household_page_loads_the_panel_with_badge_explanation_and_history(
    client: Client, dinsos_operator: User
) -> None:
    household = register()
    record(dinsos_operator, household, answers=answers(**POOR_24))
    client.force_login(dinsos_operator)

    page = client.get(reverse("registry:household", args=[household.pk])).content.decode()
    assert f'hx-get="{panel_url(household)}"' in page

    panel = client.get(panel_url(household), headers=HTMX).content.decode()
    assert 'data-class="rentan"' in panel
    assert 'data-version="PROVISIONAL-2026.1"' in panel
    assert 'id="assessment-provisional"' in panel
    assert "Lampiran resmi Perwal Depok 31/2022" in panel  # the ruleset's basis text
    explanation = panel[panel.index('id="assessment-explanation"') :]
    assert "Skor 24 dari 62: kelas Rentan Miskin" in explanation
    assert "Penyumbang terbesar" in explanation
    history = panel[panel.index('id="assessment-history"') :]
    assert history.count("<tr") == 2  # header and one assessment
    assert "operator" in history
    assert 'id="assessment-record"' in panel


def test_panel_without_provisional_rules_shows_no_badge(client: Client, dinsos_admin: User) -> None:
    household = register()
    record(None, household)
    Ruleset.objects.update(is_provisional=False)
    client.force_login(dinsos_admin)
    panel = client.get(panel_url(household), headers=HTMX).content.decode()
    assert 'data-class="rentan"' in panel and 'id="assessment-provisional"' not in panel


def test_panel_access_by_persona(
    client: Client, puskesos_b: User, dinkes_officer: User, leader: User
) -> None:
    household = register()
    record(None, household)
    client.force_login(puskesos_b)
    assert client.get(panel_url(household), headers=HTMX).status_code == 404
    client.force_login(dinkes_officer)  # may see, may not record
    panel = client.get(panel_url(household), headers=HTMX)
    assert panel.status_code == 200 and b"assessment-record" not in panel.content
    client.force_login(leader)
    assert client.get(panel_url(household), headers=HTMX).status_code == 403
    # Opened directly (not by htmx), it is the household page's section.
    client.force_login(dinkes_officer)
    assert client.get(panel_url(household))["Location"].endswith("#assessment")


# --- ruleset pages -------------------------------------------------------------------------------


def test_ruleset_pages_are_visible_to_assessors_and_in_the_navigation(
    client: Client, puskesos_a: User, leader: User
) -> None:
    provisional = Ruleset.objects.get()
    client.force_login(puskesos_a)
    listing = client.get(RULESETS).content.decode()
    assert provisional.version in listing and 'id="ruleset-upload"' not in listing
    assert f'href="{RULESETS}"' in client.get(reverse("dashboard")).content.decode()
    detail = client.get(reverse("registry:ruleset", args=[provisional.pk])).content.decode()
    assert "Di bawah garis kemiskinan" in detail and 'id="ruleset-thresholds"' in detail
    options = sum(len(parameter["options"]) for parameter in PROVISIONAL["parameters"])
    table = detail[detail.index('id="ruleset-parameters"') :]
    assert table.count("<tr") == 1 + options  # the header, then a row per answer option
    assert 'id="ruleset-simulate"' not in detail
    client.force_login(leader)
    assert client.get(RULESETS).status_code == 403
    assert f'href="{RULESETS}"' not in client.get(reverse("dashboard")).content.decode()


def test_upload_loads_a_draft(client: Client, dinsos_admin: User) -> None:
    client.force_login(dinsos_admin)
    response = client.post(UPLOAD, {"file": upload(draft_definition())})
    draft = Ruleset.objects.get(version="TEST-2026.2")
    assert response["Location"] == reverse("registry:ruleset", args=[draft.pk])
    assert draft.status == Ruleset.Status.DRAFT


@pytest.mark.parametrize(
    ("content", "errors"),
    [
        (b"{not json", 1),
        (draft_definition(version="PROVISIONAL-2026.1", thresholds={"miskin": 1, "rentan": 2}), 2),
    ],
)
def test_upload_refusal_lists_the_reasons(
    client: Client, dinsos_admin: User, content: Any, errors: int
) -> None:
    client.force_login(dinsos_admin)
    response = client.post(UPLOAD, {"file": upload(content)})
    assert response.status_code == 400
    page = response.content.decode()
    listed = page[page.index('id="upload-errors"') :]
    listed = listed[: listed.index("</div>")]
    # A refusal of the service also asks for the file again; a file that is no JSON does not
    # reach the service.
    assert listed.count("<li>") == errors + (errors > 1)
    assert Ruleset.objects.count() == 1


def test_a_refused_upload_stays_on_the_page_and_asks_for_the_file_again(
    client: Client, dinsos_admin: User
) -> None:
    client.force_login(dinsos_admin)
    client.cookies["django_language"] = "en"  # English texts asserted below
    refused = draft_definition(version="PROVISIONAL-2026.1")

    response = client.post(UPLOAD, {"file": upload(refused)})

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "version: PROVISIONAL-2026.1 is already loaded.",
        "Choose the file again: a browser does not keep a chosen file.",
    ]
    assert 'id="error-summary"' in response.content.decode()
    assert Ruleset.objects.count() == 1


def test_upload_simulate_and_activate_need_dinsos_admin(
    client: Client, dinsos_operator: User, dinsos_admin: User
) -> None:
    draft = ruleset_create(actor=dinsos_admin, definition=draft_definition())
    client.force_login(dinsos_operator)
    assert client.get(UPLOAD).status_code == 403
    assert client.post(UPLOAD, {"file": upload(draft_definition("X"))}).status_code == 403
    assert client.get(reverse("registry:ruleset-simulate", args=[draft.pk])).status_code == 403
    assert client.post(reverse("registry:ruleset-activate", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Ruleset.Status.DRAFT


def test_simulation_page_shows_the_chart_and_the_matrix(client: Client, dinsos_admin: User) -> None:
    record(None, register(), answers=answers(**POOR_24))
    record(None, register(kelurahan=KELURAHAN_TUGU, kk=2), answers=answers())
    draft = ruleset_create(
        actor=dinsos_admin, definition=draft_definition(thresholds={"miskin": 24, "rentan": 12})
    )
    client.force_login(dinsos_admin)

    page = client.get(reverse("registry:ruleset-simulate", args=[draft.pk])).content.decode()

    assert re.search(r'data-total="2" data-changed="1" data-unscorable="0"', page)
    chart = page[page.index('id="simulation-chart"') :]
    assert "<svg" in chart and "Depok" in chart and "Tugu" not in chart.split("</svg>")[0]
    assert 'id="ruleset-activate"' in page
    assert Assessment.objects.count() == 2


def test_activate_redirects_to_the_jobs_progress(client: Client, dinsos_admin: User) -> None:
    draft = ruleset_create(actor=dinsos_admin, definition=draft_definition())
    client.force_login(dinsos_admin)
    url = reverse("registry:ruleset-activate", args=[draft.pk])
    assert client.get(url).status_code == 405

    response = client.post(url)

    job = Job.objects.get(kind="registry.rescore")
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    draft.refresh_from_db()
    assert draft.status == Ruleset.Status.ACTIVE
    progress = client.get(response["Location"]).content.decode()
    assert 'id="job-progress"' in progress


def test_activating_twice_is_a_message_not_an_error(client: Client, dinsos_admin: User) -> None:
    draft = ruleset_create(actor=dinsos_admin, definition=draft_definition())
    client.force_login(dinsos_admin)
    url = reverse("registry:ruleset-activate", args=[draft.pk])
    client.post(url)
    detail = reverse("registry:ruleset", args=[draft.pk])
    response = client.post(url, headers={"Referer": f"http://testserver{detail}"})
    assert response.status_code == 302 and response["Location"].endswith(detail)
    assert Job.objects.filter(kind="registry.rescore").count() == 1
