""" "Tugas saya": each role sees the work waiting for it, overdue work flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.registry.factories import KELURAHAN_TUGU
from tests.verification.factories import in_verification, received_complaint
from verification.models import Complaint, FieldVisit

pytestmark = pytest.mark.django_db
TASKS = reverse("verification:tasks")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_puskesos_sees_own_kelurahan_visits_with_overdue_flagged(puskesos_a, puskesos_b):
    application = in_verification("kis-pbi-apbd")
    visit = FieldVisit.objects.get(household=application.household)
    FieldVisit.objects.filter(pk=visit.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    inbox = _client(puskesos_a).get(TASKS).context["inbox"]
    assert [v.pk for v in inbox.visits] == [visit.pk]
    assert inbox.visits_overdue == 1
    assert _client(puskesos_b).get(TASKS).context["inbox"].visits_total == 0


def test_agency_officer_sees_the_checks_awaiting_their_verdict(dinkes_officer, disrumkim_officer):
    application = in_verification("kis-pbi-apbd")
    inbox = _client(dinkes_officer).get(TASKS).context["inbox"]
    assert [c.application_id for c in inbox.checks] == [application.pk]
    assert "visits" not in inbox.sections
    assert _client(disrumkim_officer).get(TASKS).context["inbox"].checks_total == 0


def test_complaints_near_the_deadline_are_listed(dinsos_operator, puskesos_b):
    application = in_verification("kis-pbi-apbd")
    complaint = received_complaint(application)
    Complaint.objects.filter(pk=complaint.pk).update(due_at=timezone.now() - timedelta(hours=1))
    inbox = _client(dinsos_operator).get(TASKS).context["inbox"]
    assert [c.pk for c in inbox.complaints] == [complaint.pk]
    assert inbox.complaints_overdue == 1
    assert _client(puskesos_b).get(TASKS).context["inbox"].complaints_total == 0


def test_dinsos_sees_the_dukcapil_review_queue(dinsos_operator):
    assert "reviews" in _client(dinsos_operator).get(TASKS).context["inbox"].sections


def test_leadership_and_outsiders(leader, puskesos_b):
    assert _client(leader).get(TASKS).context["inbox"].sections == []
    assert Client().get(TASKS).status_code == 302
    in_verification("kis-pbi-apbd", kelurahan=KELURAHAN_TUGU)
    assert _client(puskesos_b).get(TASKS).status_code == 200
