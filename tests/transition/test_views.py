"""Every DTSEN transition route with the personas: who sees which counts and rows, who may
decide, and the BPJS lists. A request outside the scope reveals nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from depok_kds.models import User
from programs.transition.impact import impact_compute
from programs.transition.models import ExitProposal
from programs.transition.services import exit_proposals_apply, exit_proposals_approve
from tests.programs.factories import programme
from tests.registry.factories import KELURAHAN_TUGU
from tests.transition.factories import KIS, QUARTER, kis, ranked

pytestmark = pytest.mark.django_db
REPORT = reverse("transition:report")
EXITS = reverse("transition:exits")
ENTRIES = reverse("transition:entries")
DECIDE = reverse("transition:decide")
XLSX = reverse("transition:report-xlsx")


@pytest.fixture
def quarter() -> ExitProposal:
    """One KIS household of kelurahan Depok left desil 1-5; one of Tugu entered."""
    head = ranked(3, 7)
    head.full_name = "Sulastri Rahayu"
    head.save(update_fields=["full_name"])
    kis(head)
    ranked(8, 4, kelurahan=KELURAHAN_TUGU)
    impact_compute(period=QUARTER, actor_id=None)
    return ExitProposal.objects.get()


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_agency_officer_sees_the_counts_and_its_proposals_and_approves_one(
    quarter: ExitProposal, dinkes_officer: User
) -> None:
    client = _as(dinkes_officer)
    page = client.get(REPORT).content.decode()
    assert 'data-programme="kis-pbi-apbd"' in page
    assert 'data-count="left">1<' in page
    assert "Sulastri Rahayu" in client.get(EXITS).content.decode()
    assert "Sulastri Rahayu" in client.get(ENTRIES, {"change": "left"}).content.decode()

    response = client.post(DECIDE, {"proposals": [quarter.pk], "action": "approve"})

    assert response.status_code == 302
    quarter.refresh_from_db()
    assert quarter.status == "approved"


def test_another_agency_sees_no_kis_row_and_cannot_decide(
    quarter: ExitProposal, disrumkim_officer: User
) -> None:
    client = _as(disrumkim_officer)
    assert 'data-programme="kis-pbi-apbd"' not in client.get(REPORT).content.decode()
    assert "Sulastri Rahayu" not in client.get(EXITS).content.decode()

    client.post(DECIDE, {"proposals": [quarter.pk], "action": "approve"})

    quarter.refresh_from_db()
    assert quarter.status == "proposed"


def test_puskesos_sees_its_own_kelurahan_only_and_may_not_decide(
    quarter: ExitProposal, puskesos_a: User, puskesos_b: User
) -> None:
    assert "Sulastri Rahayu" in _as(puskesos_a).get(EXITS).content.decode()
    other = _as(puskesos_b)
    assert "Sulastri Rahayu" not in other.get(EXITS).content.decode()
    assert 'data-count="left">1<' not in other.get(REPORT).content.decode()
    assert (
        _as(puskesos_a).post(DECIDE, {"proposals": [quarter.pk], "action": "approve"}).status_code
        == 403
    )


def test_leadership_sees_the_city_counts_and_no_person(quarter: ExitProposal, leader: User) -> None:
    client = _as(leader)
    page = client.get(REPORT).content.decode()
    assert 'data-count="left">1<' in page
    assert "Sulastri" not in page
    assert client.get(EXITS).status_code == 403
    assert client.get(ENTRIES).status_code == 403
    assert client.post(DECIDE, {"proposals": [quarter.pk], "action": "approve"}).status_code == 403
    workbook = client.get(XLSX)
    assert workbook.status_code == 200
    assert b"Sulastri" not in workbook.content


def test_the_auditor_reads_and_may_not_decide_or_recompute(
    quarter: ExitProposal, auditor_user: User
) -> None:
    client = _as(auditor_user)
    assert "Sulastri Rahayu" in client.get(EXITS).content.decode()
    assert client.post(DECIDE, {"proposals": [quarter.pk], "action": "approve"}).status_code == 403
    assert client.post(reverse("transition:recompute"), {"period": QUARTER}).status_code == 403


def test_dinsos_recomputes_a_quarter_as_a_job(quarter: ExitProposal, dinsos_operator: User) -> None:
    response = _as(dinsos_operator).post(reverse("transition:recompute"), {"period": QUARTER})
    assert response.status_code == 302
    assert "/jobs/" in response["Location"]


def test_anonymous_visitors_are_sent_to_the_login(quarter: ExitProposal) -> None:
    for path in (REPORT, EXITS, ENTRIES, XLSX):
        response = Client().get(path)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_api_gives_the_agency_client_its_counts_and_rows(
    quarter: ExitProposal, api_client_factory
) -> None:
    _, key = api_client_factory(["programs:read"], agency_code="DINKES")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    report = client.get("/api/v1/dtsen/report/", {"period": QUARTER}).json()
    kis_row = next(r for r in report["programmes"] if r["programme"] == KIS)
    assert kis_row["total"]["left"] == 1 and kis_row["total"]["affected"] == 1
    exits = client.get("/api/v1/dtsen/exits/", {"period": QUARTER}).json()
    assert [row["id"] for row in exits["results"]] == [quarter.pk]
    assert "•" in exits["results"][0]["nik"]

    _, other = api_client_factory(["programs:read"], agency_code="DISRUMKIM")
    elsewhere = Client(headers={"Authorization": f"Bearer {other}"})
    assert elsewhere.get("/api/v1/dtsen/exits/", {"period": QUARTER}).json()["results"] == []
    _, none = api_client_factory([], agency_code="DINKES")
    refused = Client(headers={"Authorization": f"Bearer {none}"})
    assert refused.get("/api/v1/dtsen/report/", {"period": QUARTER}).status_code == 403


def test_the_bpjs_lists_come_from_the_premium_channel(
    quarter: ExitProposal, dinkes_officer: User, colleague_of, puskesos_a: User
) -> None:
    exit_proposals_approve(actor=dinkes_officer, proposal_ids=[quarter.pk])
    quarter.refresh_from_db()
    assert quarter.effective_on is not None
    exit_proposals_apply(actor=None, on=quarter.effective_on)
    url = reverse(
        "distribution:bpjs-quarter",
        kwargs={"programme": programme(KIS).pk, "period": QUARTER, "which": "deactivations"},
    )

    content = _as(dinkes_officer).get(url).content.decode()

    lines = content.strip().splitlines()
    assert lines[0] == "nik;name;reason;exited_on"
    assert lines[1].endswith(f";Sulastri Rahayu;no_longer_eligible;{quarter.effective_on}")
    activations = _as(dinkes_officer).get(url.replace("deactivations", "activations"))
    assert activations.content.decode().startswith("nik;name;reason;starts_on")
    assert _as(puskesos_a).get(url).status_code == 403


def test_a_decision_with_nothing_ticked_keeps_the_note_and_the_quarter(
    quarter: ExitProposal, dinsos_operator: User
) -> None:
    """Once a redirect that lost the note: the list shows again, filtered as it was."""
    back = f"{EXITS}?period={QUARTER}"
    note = "Sudah dicek ke kelurahan"
    response = _as(dinsos_operator).post(DECIDE, {"action": "reject", "note": note, "next": back})
    assert response.status_code == 200
    decision = response.context["decision"]
    assert decision.errors["proposals"] and decision["note"].value() == note
    html = response.content.decode()
    assert 'id="error-summary"' in html and f'value="{note}"' in html
    assert f'name="next" value="{back}"' in html and "Sulastri Rahayu" in html
    # The pager and the filter lead back to the list, not to the POST's address.
    assert (response.context["pager_path"], response.context["pager_query"]) == (
        EXITS,
        f"period={QUARTER}",
    )
    assert f'action="{EXITS}"' in html
    quarter.refresh_from_db()
    assert quarter.status == "proposed"
