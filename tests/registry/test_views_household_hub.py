"""The household page as the hub: what the household receives, what it asked for, its
complaints and findings, and the next action ("Ajukan program")."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.overlap.factories import enrol
from tests.programs.factories import applicant, open_cycle
from tests.registry.factories import KELURAHAN_TUGU

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_hub_shows_benefits_applications_and_the_next_action(dinsos_operator):
    head = applicant()
    enrol(head, "rtlh", year=2025)
    cycle = open_cycle("kis-pbi-apbd")
    response = _client(dinsos_operator).get(reverse("registry:household", args=[head.household_id]))
    body = response.content.decode()
    assert 'id="enrolments"' in body
    assert "Rp23.000.000" in body or "Rp" in body.split('id="enrolments"')[1]
    assert "Ajukan program" in body
    assert f'data-cycle="{cycle.pk}"' in body


def test_the_next_action_prefills_the_applicant(puskesos_a):
    head = applicant()
    cycle = open_cycle("kis-pbi-apbd")
    response = _client(puskesos_a).get(
        reverse("programs:apply", args=[cycle.pk]), {"person": head.pk}
    )
    assert response.context["form"].initial["nik"] == head.nik
    assert response.context["form"].initial["channel"] == "puskesos"


def test_prefill_ignores_a_person_outside_the_area(puskesos_a):
    other = applicant(kelurahan=KELURAHAN_TUGU)
    cycle = open_cycle("kis-pbi-apbd")
    response = _client(puskesos_a).get(
        reverse("programs:apply", args=[cycle.pk]), {"person": other.pk}
    )
    assert "nik" not in response.context["form"].initial


def test_hub_without_programme_rights_shows_no_proposal(auditor_user):
    head = applicant()
    open_cycle("kis-pbi-apbd")
    body = (
        _client(auditor_user)
        .get(reverse("registry:household", args=[head.household_id]))
        .content.decode()
    )
    assert 'id="propose"' not in body
    assert 'id="household-programmes"' in body
