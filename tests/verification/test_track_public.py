"""`/lacak/` answers the holder of a tracking number with the answer, the dates and the
deadline, and reveals nothing to anyone without it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.verification.factories import answered_complaint, in_verification
from verification.models import Complaint

pytestmark = pytest.mark.django_db


def test_tracking_shows_answer_dates_and_deadline_but_no_person(dinsos_operator):
    application = in_verification()
    complaint = answered_complaint(application, actor=dinsos_operator)
    body = Client().get("/lacak/", {"number": complaint.tracking_number}).content.decode()
    assert 'id="track-answer"' in body and "dikunjungi ulang" in body
    assert 'id="track-due"' in body and 'id="track-received"' in body
    assert 'id="track-answered"' in body
    assert "Bu Siti" not in body and "Joko" not in body
    assert application.person.full_name not in body
    blind = Client().get("/lacak/", {"number": "ZZZZZZZZZZ"}).content.decode()
    assert 'id="track-answer"' not in blind and "dikunjungi" not in blind


def test_unknown_registry_number_keeps_the_complaint_form(puskesos_a):
    client = Client()
    client.force_login(puskesos_a)
    household = in_verification().household
    response = client.post(
        "/verification/complaints/new/",
        {
            "kind": "complaint",
            "category": "exclusion",
            "kelurahan": household.kelurahan_id,
            "registry_number": "KDS-9999999",
            "description": "Kami miskin, tidak dapat apa-apa",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="error-summary"' in body and "Kami miskin, tidak dapat apa-apa" in body
    assert response.context["form"].errors["registry_number"]
    assert not Complaint.objects.exists()
