"""Browser test of a DTSEN quarter: a Dinkes officer on a phone reviews the KIS exits the
quarter proposes, approves them in bulk, and the exits land on the first of the next month."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programs.kis_pbi.rules import first_of_next_month
from programs.models import Enrolment
from programs.transition.impact import impact_compute
from programs.transition.models import ExitProposal
from programs.transition.services import exit_proposals_apply
from tests.transition.factories import QUARTER, kis, ranked

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE = {"width": 390, "height": 844}


def test_an_agency_officer_approves_proposed_exits_in_bulk(session, dinkes_officer):
    enrolments = [kis(ranked(3, 7)), kis(ranked(4, 9))]
    kept = kis(ranked(2, 2))
    impact_compute(period=QUARTER, actor_id=None)
    effective = first_of_next_month(timezone.localdate())

    officer = session(dinkes_officer)
    officer.set_viewport_size(PHONE)
    officer.goto("/dtsen/")
    expect(officer.locator("h1")).to_contain_text("Dampak kuartal DTSEN")
    expect(
        officer.locator('tbody[data-programme="kis-pbi-apbd"] [data-count="affected"]')
    ).to_have_text("2")
    officer.get_by_role("link", name="Usulan keluar").first.click()
    expect(officer.locator("#proposals tbody tr[data-status=proposed]")).to_have_count(2)

    officer.check("#select-all")
    expect(officer.locator("#proposals input[name=proposals]:checked")).to_have_count(2)
    officer.fill("#bulk-note", "Desil DTSEN di atas 5")
    officer.click("#bulk-approve")

    expect(officer.locator(".messages")).to_contain_text("2 usulan keluar disetujui.")
    rows = officer.locator("#proposals tbody tr[data-status=approved]")
    expect(rows).to_have_count(2)
    expect(rows.first.locator("[data-effective]")).to_have_attribute(
        "data-effective", effective.isoformat()
    )
    expect(rows.first).to_contain_text("Disetujui, menunggu tanggal berlaku")
    assert officer.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The nightly run on that date applies them through the programme core's exit.
    exit_proposals_apply(actor=None, on=effective)
    officer.reload()
    expect(officer.locator("#proposals tbody tr[data-status=applied]")).to_have_count(2)
    for enrolment in enrolments:
        enrolment.refresh_from_db()
        assert (enrolment.status, enrolment.exit_reason, enrolment.exited_on) == (
            Enrolment.Status.EXITED,
            Enrolment.ExitReason.NO_LONGER_ELIGIBLE,
            effective,
        )
    kept.refresh_from_db()
    assert kept.status == Enrolment.Status.ACTIVE
    assert set(ExitProposal.objects.values_list("decided_by", flat=True)) == {dinkes_officer.pk}
