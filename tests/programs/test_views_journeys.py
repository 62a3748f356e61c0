"""Applications as officers make them: refusals keep the form, Puskesos proposes for its area."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from programs.models import Application
from tests.distribution.factories import beneficiary, with_application
from tests.programs.factories import applicant, open_cycle
from tests.registry.factories import KELURAHAN_TUGU

pytestmark = pytest.mark.django_db

UNKNOWN_NIK = "3276019999990099"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_unknown_nik_re_renders_the_form_with_the_input_and_the_message(dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd")
    response = _client(dinkes_officer).post(
        reverse("programs:apply", args=[cycle.pk]),
        {"nik": UNKNOWN_NIK, "channel": "agency", "detail-jkn_segment": "pbpu"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="error-summary"' in body
    assert f'value="{UNKNOWN_NIK}"' in body
    assert 'value="pbpu" selected' in body
    assert "NIK" in response.context["form"].errors["nik"][0]
    assert not Application.objects.exists()


def test_a_refused_submission_shows_the_refusal_and_keeps_the_form(dinkes_officer):
    cycle = open_cycle("kis-pbi-apbd")
    person = applicant()
    client = _client(dinkes_officer)
    data = {"nik": person.nik, "channel": "agency", "detail-jkn_segment": "none"}
    assert client.post(reverse("programs:apply", args=[cycle.pk]), data).status_code == 302
    again = client.post(reverse("programs:apply", args=[cycle.pk]), data)
    assert again.status_code == 200
    assert again.context["form"].non_field_errors()
    assert f'value="{person.nik}"' in again.content.decode()


def test_puskesos_opens_programmes_and_proposes_for_own_kelurahan(puskesos_a):
    cycle = open_cycle("kis-pbi-apbd")
    person = applicant()
    client = _client(puskesos_a)
    assert client.get(reverse("programs:programme", args=[cycle.programme_id])).status_code == 200
    assert client.get(reverse("programs:cycle", args=[cycle.pk])).status_code == 200
    response = client.post(
        reverse("programs:apply", args=[cycle.pk]),
        {"nik": person.nik, "channel": "puskesos", "detail-jkn_segment": "none"},
    )
    assert response.status_code == 302
    assert Application.objects.get(person=person).submitted_by == puskesos_a


def test_puskesos_cannot_propose_outside_own_kelurahan(puskesos_a):
    cycle = open_cycle("kis-pbi-apbd")
    person = applicant(kelurahan=KELURAHAN_TUGU)
    response = _client(puskesos_a).post(
        reverse("programs:apply", args=[cycle.pk]),
        {"nik": person.nik, "channel": "puskesos", "detail-jkn_segment": "none"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["nik"]
    assert not Application.objects.exists()


def test_outsiders_cannot_open_a_programme(leader, auditor_user, dinkes_officer, disrumkim_officer):
    cycle = open_cycle("kis-pbi-apbd")
    url = reverse("programs:programme", args=[cycle.programme_id])
    assert _client(leader).get(url).status_code in (403, 404)
    assert _client(disrumkim_officer).get(url).status_code == 404
    assert _client(dinkes_officer).get(url).status_code == 200
    assert Client().get(url).status_code == 302


def test_an_imported_enrolment_ends_on_its_own_page_and_a_refusal_keeps_the_reason(
    dinsos_admin, dinsos_operator
):
    """An enrolment without an application (an imported recipient) has its own page to end
    it; ending it twice shows that page again with the reason chosen, not a redirect."""
    enrolment = beneficiary(with_account=False)
    client = _client(dinsos_admin)
    url = reverse("programs:exit", args=[enrolment.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'id="exit-form"' in page.content
    ended = client.post(url, {"reason": "graduated"})
    assert ended.status_code == 302
    again = client.post(url, {"reason": "moved_away"})
    assert again.status_code == 200
    form = again.context["form"]
    assert form.errors["reason"] and form["reason"].value() == "moved_away"
    assert b'id="error-summary"' in again.content
    enrolment.refresh_from_db()
    assert enrolment.exit_reason == "graduated"
    with_application(applied := beneficiary(with_account=False))
    assert client.get(reverse("programs:exit", args=[applied.pk]))["Location"] == reverse(
        "programs:application", args=[applied.application_id]
    )
