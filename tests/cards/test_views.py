"""Card pages, the public check and the API: access for every route and persona, the
number search in the registry, and the public page's answers and rate limit."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from depok_kds.jobs import job_run
from depok_kds.models import AuditEntry, Job
from distribution.cards.forms import NUMBER_ERRORS
from distribution.cards.models import Card
from distribution.cards.numbers import card_number_display
from distribution.cards.printing import verify_url_prefix
from distribution.cards.services import card_hand_over, card_request
from distribution.cards.signing import token_sign
from distribution.cards.tasks import print_job
from registry.selectors import household_list
from tests.cards.factories import enrolled_student, entitled_household, family_card
from tests.registry.factories import KELURAHAN_DEPOK

pytestmark = pytest.mark.django_db

PORTAL_READERS = ("dinsos_admin", "dinsos_operator", "puskesos_a", "auditor_user")
NO_CARDS = ("dinkes_officer", "disrumkim_officer", "leader")


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def card() -> Card:
    return family_card(state="printed")


@pytest.mark.parametrize("persona", PORTAL_READERS)
def test_readers_see_the_list_and_the_card(persona, request, card):
    client = _client(request.getfixturevalue(persona))
    listing = client.get("/cards/")
    assert (
        listing.status_code == 200 and card_number_display(card.number).encode() in listing.content
    )
    assert client.get(f"/cards/{card.pk}/").status_code == 200


@pytest.mark.parametrize("persona", NO_CARDS)
def test_agency_officers_and_leadership_are_refused(persona, request, card):
    client = _client(request.getfixturevalue(persona))
    assert client.get("/cards/").status_code == 403
    assert client.get(f"/cards/{card.pk}/").status_code == 403
    assert client.post(f"/cards/{card.pk}/activate/").status_code == 403
    assert client.post(f"/cards/{card.pk}/card.pdf").status_code == 403


def test_officer_of_another_kelurahan_sees_nothing_of_it(puskesos_b, card):
    client = _client(puskesos_b)
    listing = client.get("/cards/")
    assert listing.status_code == 200 and card.number[:4].encode() not in listing.content
    assert client.get(f"/cards/{card.pk}/").status_code == 404
    assert client.get("/cards/", {"number": card.number}).status_code == 200  # "not found"
    hand_over = {"received_by": "X", "on": "2026-11-03"}
    assert client.post(f"/cards/{card.pk}/hand-over/", hand_over).status_code == 404
    assert client.post(f"/cards/{card.pk}/card.pdf").status_code == 404
    card.refresh_from_db()
    assert card.state == "printed"


def test_anonymous_visitors_are_sent_to_login(card):
    client = _client()
    for url in ("/cards/", f"/cards/{card.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post(f"/cards/{card.pk}/activate/").status_code == 302
    card.refresh_from_db()
    assert card.state == "printed"


def test_auditor_reads_but_cannot_act(auditor_user, card):
    client = _client(auditor_user)
    assert client.post(f"/cards/{card.pk}/hand-over/", {"received_by": "X"}).status_code == 403
    assert client.post(f"/cards/{card.pk}/card.pdf").status_code == 403
    assert client.post("/cards/issue/", {"issue-kelurahan": KELURAHAN_DEPOK}).status_code == 403


def test_hand_over_activate_replace_through_the_pages(puskesos_a, card):
    client = _client(puskesos_a)
    response = client.post(
        f"/cards/{card.pk}/hand-over/", {"received_by": "Siti Aminah", "on": "2026-11-05"}
    )
    assert response.status_code == 302
    assert client.post(f"/cards/{card.pk}/activate/").status_code == 302
    response = client.post(f"/cards/{card.pk}/replace/", {"reason": "damaged"})
    successor = Card.objects.get(replaces=card)
    assert response["Location"] == f"/cards/{successor.pk}/"
    card.refresh_from_db()
    assert (card.state, card.received_by, card.handed_over_by) == (
        "replaced",
        "Siti Aminah",
        puskesos_a,
    )
    pdf = client.post(f"/cards/{successor.pk}/card.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    successor.refresh_from_db()
    assert successor.state == "printed"
    assert AuditEntry.objects.filter(action="pii.export", target_type="cards.card").exists()
    assert client.post(f"/cards/{card.pk}/fly/").status_code == 404
    old_page = client.get(f"/cards/{card.pk}/").content.decode()
    assert "(Rusak)" in old_page and 'id="card-successor"' in old_page


def test_revoke_through_the_page_needs_a_reason(dinsos_operator, card):
    client = _client(dinsos_operator)
    refused = client.post(f"/cards/{card.pk}/revoke/", {"reason": "nope"})
    assert refused.status_code == 200 and refused.context["revoke_form"].errors["reason"]
    card.refresh_from_db()
    assert card.state == "printed"
    assert client.post(f"/cards/{card.pk}/revoke/", {"reason": "left_city"}).status_code == 302
    card.refresh_from_db()
    assert (card.state, card.end_reason) == ("revoked", "left_city")
    assert "(Pindah dari Depok)" in client.get(f"/cards/{card.pk}/").content.decode()


def test_a_mistyped_number_is_refused_at_once(dinsos_operator, card):
    typo = card.number[:-1] + str((int(card.number[-1]) + 1) % 10)
    response = _client(dinsos_operator).get("/cards/", {"number": typo})
    assert response.status_code == 200
    assert (
        response.context["form"]
        .errors["number"][0]
        .startswith(str(NUMBER_ERRORS["check_digit"])[:20])
    )
    found = _client(dinsos_operator).get("/cards/", {"number": card_number_display(card.number)})
    assert found.status_code == 302 and found["Location"] == f"/cards/{card.pk}/"


def test_issue_and_print_a_kelurahan(puskesos_a, puskesos_b, dinsos_operator):
    household = entitled_household()
    enrolled_student(household)
    refused = _client(puskesos_b).post("/cards/issue/", {"issue-kelurahan": KELURAHAN_DEPOK})
    # Another kelurahan is not among the officer's choices: the form says so, nothing issued.
    assert refused.status_code == 200 and not Card.objects.exists()
    assert refused.context["issue_form"].errors["kelurahan"]
    client = _client(puskesos_a)
    assert client.post("/cards/issue/", {"issue-kelurahan": KELURAHAN_DEPOK}).status_code == 302
    assert Card.objects.filter(state="requested").count() == 2
    started = client.post("/cards/print/", {"print-kelurahan": KELURAHAN_DEPOK})
    job = Job.objects.get(kind="cards.print")
    assert started["Location"] == f"/cards/prints/{job.pk}/"
    job_run(job_id=job.pk, handler=print_job)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result["cards"] == 2 and job.result["pages"] == 2
    page = client.get(f"/cards/prints/{job.pk}/")
    assert b'id="print-download"' in page.content
    pdf = client.get(f"/cards/prints/{job.pk}/file/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert set(Card.objects.values_list("state", flat=True)) == {"printed"}
    # Only the person who asked may see the run and its file.
    assert _client(dinsos_operator).get(f"/cards/prints/{job.pk}/").status_code == 404
    assert _client(dinsos_operator).get(f"/cards/prints/{job.pk}/file/").status_code == 404


def test_household_page_shows_the_cards_and_the_request(dinsos_operator, dinkes_officer):
    household = entitled_household()
    client = _client(dinsos_operator)
    page = client.get(f"/registry/households/{household.pk}/")
    assert b'id="card-request-family"' in page.content
    assert (
        client.post("/cards/request/", {"kind": "family", "household": household.pk}).status_code
        == 302
    )
    page = client.get(f"/registry/households/{household.pk}/")
    card = Card.objects.get()
    assert card_number_display(card.number).encode() in page.content
    assert b'id="card-request-family"' not in page.content
    dinkes_page = _client(dinkes_officer).get(f"/registry/households/{household.pk}/")
    assert b'id="household-cards"' not in dinkes_page.content


def test_registry_search_finds_card_and_registry_numbers(dinsos_operator, puskesos_b, card):
    household = card.household
    assert list(household_list(user=dinsos_operator, q=card_number_display(card.number))) == [
        household
    ]
    typo = card.number[:-1] + str((int(card.number[-1]) + 1) % 10)
    assert list(household_list(user=dinsos_operator, q=typo)) == []
    assert list(household_list(user=dinsos_operator, q=household.registry_number)) == [household]
    assert list(household_list(user=puskesos_b, q=card.number)) == []  # out of scope
    student = enrolled_student(household)
    student_card = card_request(actor=None, kind="student", student_id=student.pk)
    assert list(household_list(user=dinsos_operator, q=student_card.number)) == [household]


# --- public page and API -------------------------------------------------------------------


def test_public_page_says_valid_with_masked_name_only(card):
    card_hand_over(actor=None, card_id=card.pk, received_by="Budi", on=card.printed_on)
    response = _client().get(f"/kartu/{token_sign(card.number)}/")
    assert response.status_code == 200 and b'data-answer="valid"' in response.content
    assert "B••• S••••••".encode() in response.content and b"Budi Santoso" not in response.content
    assert card.household.address.encode() not in response.content


def test_the_qr_address_opens_the_same_check_and_old_cards_addresses_still_work(card):
    card_hand_over(actor=None, card_id=card.pk, received_by="Budi", on=card.printed_on)
    path = verify_url_prefix().split("/", 3)[3] + token_sign(card.number)
    client = _client()
    for address in (f"/{path}", f"/kartu/{token_sign(card.number)}/"):
        response = client.get(address)
        assert response.status_code == 200 and b'data-answer="valid"' in response.content


def test_public_page_answers_forged_and_garbage_neutrally(card):
    client = _client()
    head, _signature = token_sign(card.number).rsplit(".", 1)
    for token in (f"{head}.{'A' * 103}", "nonsense"):
        response = client.get(f"/kartu/{token}/")
        assert response.status_code == 200 and b'data-answer="not_valid"' in response.content


@override_settings(KDS_CARD_LOOKUPS=3)
def test_public_page_is_rate_limited():
    client = Client(REMOTE_ADDR="10.9.9.8")
    codes = [client.get("/kartu/nonsense/").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_public_keys_are_published():
    response = _client().get("/kartu/kunci.json")
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert key["crv"] == "Ed25519" and len(key["x"]) == 43


def test_api_check_needs_the_registry_read_scope(api_client_factory, card):
    _client_row, key = api_client_factory(["registry:read"])
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    by_number = http.get("/api/v1/cards/check/", {"number": card.number})
    assert by_number.status_code == 200 and by_number.json()["status"] == "not_valid"
    card_hand_over(actor=None, card_id=card.pk, received_by="Budi", on=card.printed_on)
    by_token = http.get("/api/v1/cards/check/", {"token": token_sign(card.number)})
    assert by_token.json() == {"status": "valid", "holder": "B••• S••••••", "kelurahan": "Depok"}
    typo = card.number[:-1] + str((int(card.number[-1]) + 1) % 10)
    assert http.get("/api/v1/cards/check/", {"number": typo}).status_code == 400
    _other, other_key = api_client_factory(["programs:read"])
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {other_key}")
    assert other.get("/api/v1/cards/check/", {"number": card.number}).status_code == 403
    assert APIClient().get("/api/v1/cards/check/", {"number": card.number}).status_code in (
        401,
        403,
    )


def test_a_refused_hand_over_keeps_the_receiver_and_says_why_at_the_date(puskesos_a, card):
    client = _client(puskesos_a)
    response = client.post(
        f"/cards/{card.pk}/hand-over/", {"received_by": "Siti Aminah", "on": "2099-01-01"}
    )
    assert response.status_code == 200
    form = response.context["hand_over_form"]
    assert form.errors["on"] and form["received_by"].value() == "Siti Aminah"
    assert b'id="error-summary"' in response.content
    card.refresh_from_db()
    assert card.state == "printed"


def test_a_refused_card_request_shows_the_household_page_with_the_reason(dinsos_operator):
    """A second family card (refused) and a student who is not enrolled: the household's
    page again, with the reason at the top and in its card section, not a redirect."""
    card = family_card()
    client = _client(dinsos_operator)
    refused = client.post("/cards/request/", {"kind": "family", "household": card.household_id})
    assert refused.status_code == 200 and Card.objects.count() == 1
    assert refused.context["household"].pk == card.household_id
    assert refused.context["refused"].non_field_errors()
    html = refused.content.decode()
    assert 'id="error-summary"' in html and 'id="card-request"' in html
    student = enrolled_student(card.household)
    assert (
        client.post("/cards/request/", {"kind": "student", "student": student.pk}).status_code
        == 302
    )
    again = client.post("/cards/request/", {"kind": "student", "student": student.pk})
    assert again.status_code == 200 and again.context["refused"].non_field_errors()
