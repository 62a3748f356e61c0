"""Portal pages and API of distribution, tried by every persona and an outsider."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from depok_kds.models import AuditEntry, User
from distribution.models import Batch, Line
from distribution.services import batch_approve, batch_send, outlet_save, return_file_upload
from programs.models import Cycle
from registry.models import Person
from tests.conftest import KELURAHAN_DEPOK
from tests.distribution.factories import beneficiary, build, cycle_of, new_batch, return_csv, sent

SMA = "pendidikan-sma"


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def outsider(db: None) -> User:
    return User.objects.create_user("tanpa.peran", password="x-pass-2026")


@pytest.fixture
def sma_batch(dinsos_admin: User, second_admin: User) -> Batch:
    beneficiary()
    return sent(new_batch(SMA, actor=dinsos_admin), preparer=dinsos_admin, approver=second_admin)


@pytest.fixture
def kis_batch(dinkes_officer: User) -> Batch:
    beneficiary("kis-pbi-apbd", with_account=False)
    return build(new_batch("kis-pbi-apbd", actor=dinkes_officer, start=date(2026, 1, 1),
                           end=date(2026, 1, 31)))  # fmt: skip


def test_batch_list_is_scoped_per_persona(
    sma_batch: Batch, kis_batch: Batch, dinsos_operator: User, dinkes_officer: User,
    disrumkim_officer: User, puskesos_a: User, puskesos_b: User, auditor_user: User,
    leader: User, outsider: User,
) -> None:  # fmt: skip
    url = reverse("distribution:list")
    seen = {
        "operator": (dinsos_operator, {sma_batch.pk, kis_batch.pk}),
        "auditor": (auditor_user, {sma_batch.pk, kis_batch.pk}),
        "dinkes": (dinkes_officer, {kis_batch.pk}),
        "disrumkim": (disrumkim_officer, set()),
        "puskesos of the beneficiaries' kelurahan": (puskesos_a, {sma_batch.pk, kis_batch.pk}),
        "puskesos elsewhere": (puskesos_b, set()),
    }
    for name, (user, expected) in seen.items():
        response = client_for(user).get(url)
        assert response.status_code == 200, name
        shown = {b.pk for b, _totals in response.context["rows"]}
        assert shown == expected, name
    for user in (leader, outsider):
        assert client_for(user).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 302


def test_batch_detail_is_404_outside_scope(
    sma_batch: Batch, dinsos_admin: User, disrumkim_officer: User, puskesos_b: User,
    puskesos_a: User, leader: User, outsider: User,
) -> None:  # fmt: skip
    url = reverse("distribution:batch", args=[sma_batch.pk])
    response = client_for(dinsos_admin).get(url)
    assert response.status_code == 200
    assert b"Rp2.000.000" in response.content
    assert client_for(puskesos_a).get(url).status_code == 200
    for user in (disrumkim_officer, puskesos_b):
        assert client_for(user).get(url).status_code == 404
    for user in (leader, outsider):
        assert client_for(user).get(url).status_code == 403


def test_a_batch_is_created_built_and_approved_through_the_portal(
    dinsos_admin: User, second_admin: User, puskesos_a: User
) -> None:
    beneficiary()
    response = client_for(dinsos_admin).post(
        reverse("distribution:list"),
        {"cycle": cycle_of(SMA).pk, "tahap": 1, "period_start": "2026-01-01",
         "period_end": "2026-12-31", "planned_on": "2026-04-01"},
    )  # fmt: skip
    batch = Batch.objects.get()
    assert response.status_code == 302
    # A Puskesos officer sees no batch without a line in their kelurahan.
    build_url = reverse("distribution:act", args=[batch.pk, "build"])
    assert client_for(puskesos_a).post(build_url).status_code == 404
    build(batch)
    # The preparer's approval is refused with a message; another administrator's passes.
    client_for(dinsos_admin).post(reverse("distribution:act", args=[batch.pk, "approve"]))
    batch.refresh_from_db()
    assert batch.state == "draft"
    client_for(second_admin).post(reverse("distribution:act", args=[batch.pk, "approve"]))
    batch.refresh_from_db()
    assert batch.state == "approved"


def test_actions_need_the_right_role(
    sma_batch: Batch, puskesos_a: User, auditor_user: User, disrumkim_officer: User
) -> None:
    for user in (puskesos_a, auditor_user):
        response = client_for(user).post(reverse("distribution:act", args=[sma_batch.pk, "settle"]))
        assert response.status_code == 302  # refused with a message
        sma_batch.refresh_from_db()
        assert sma_batch.state == "sent"
    response = client_for(disrumkim_officer).post(
        reverse("distribution:act", args=[sma_batch.pk, "settle"])
    )
    assert response.status_code == 404


def test_the_file_download_is_logged_and_refused_to_others(
    sma_batch: Batch, dinsos_admin: User, puskesos_a: User, auditor_user: User
) -> None:
    url = reverse("distribution:file", args=[sma_batch.pk])
    response = client_for(dinsos_admin).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditEntry.objects.filter(action="distribution.batch_export").exists()
    for user in (puskesos_a, auditor_user):
        assert client_for(user).get(url).status_code == 403


def test_return_file_preview_then_apply_in_the_portal(
    sma_batch: Batch, dinsos_admin: User, puskesos_a: User
) -> None:
    line = sma_batch.lines.get()
    content = return_csv([(line.reference, 2_000_000, "GAGAL", "Rekening tutup")])
    upload_url = reverse("distribution:return-upload", args=[sma_batch.pk])
    refused = client_for(puskesos_a).post(
        upload_url, {"file": SimpleUploadedFile("r.csv", content)}
    )
    assert refused.status_code == 403
    client_for(dinsos_admin).post(upload_url, {"file": SimpleUploadedFile("r.csv", content)})
    upload = sma_batch.return_files.get()
    page = client_for(dinsos_admin).get(reverse("distribution:batch", args=[sma_batch.pk]))
    assert b"1 failed" in page.content or b"1 gagal" in page.content
    line.refresh_from_db()
    assert line.state == "pending"
    client_for(dinsos_admin).post(
        reverse("distribution:return-apply", args=[sma_batch.pk, upload.pk])
    )
    line.refresh_from_db()
    assert (line.state, line.reason) == ("failed", "Rekening tutup")


def test_the_handover_pages_serve_the_kelurahans_officer_only(
    dinsos_operator: User, second_admin: User, puskesos_a: User, puskesos_b: User,
    dinkes_officer: User, outsider: User,
) -> None:  # fmt: skip
    outlet_save(actor=None, code="GP01", name="Gerai Pangan Depok",
                kelurahan_codes=[KELURAHAN_DEPOK])  # fmt: skip
    beneficiary("bantuan-pangan-kota", with_account=False, birth_date=date(1950, 1, 1))
    batch = sent(new_batch("bantuan-pangan-kota", actor=dinsos_operator),
                 preparer=dinsos_operator, approver=second_admin)  # fmt: skip
    line = batch.lines.get()
    listing = client_for(puskesos_a).get(reverse("distribution:handovers"))
    assert listing.status_code == 200 and line.reference.encode() in listing.content
    assert (
        line.reference.encode()
        not in client_for(puskesos_b).get(reverse("distribution:handovers")).content
    )
    form = reverse("distribution:handover", args=[line.pk])
    assert client_for(puskesos_a).get(form).status_code == 200
    assert client_for(puskesos_b).get(form).status_code == 404
    for user in (dinkes_officer, outsider):
        assert client_for(user).get(form).status_code == 403


def test_the_report_is_for_leadership_and_dinsos_not_puskesos(
    sma_batch: Batch, leader: User, dinsos_admin: User, puskesos_a: User, outsider: User
) -> None:
    sma_batch.lines.update(state="paid")
    for user in (leader, dinsos_admin):
        page = client_for(user).get(reverse("distribution:report"), {"year": 2026})
        assert page.status_code == 200
        assert [r.paid for r in page.context["rows"]] == [2_000_000]
        xlsx = client_for(user).get(reverse("distribution:report-xlsx"), {"year": 2026})
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    for user in (puskesos_a, outsider):
        assert client_for(user).get(reverse("distribution:report")).status_code == 403


def test_the_household_page_shows_its_payments(sma_batch: Batch, dinsos_admin: User) -> None:
    line = sma_batch.lines.select_related("person").get()
    page = client_for(dinsos_admin).get(
        reverse("registry:household", args=[line.person.household_id])
    )
    assert page.status_code == 200
    assert b'id="household-payments"' in page.content
    assert b"Rp2.000.000" in page.content


def test_api_needs_the_distribution_scope(
    sma_batch: Batch, api_client_factory, leader: User, puskesos_b: User
) -> None:  # type: ignore[no-untyped-def]
    _client, key = api_client_factory(["distribution:read"])
    api = Client(headers={"Authorization": f"Bearer {key}"})
    batches = api.get(reverse("distribution_api:batches")).json()
    assert (
        batches["count"] == 1 and batches["results"][0]["totals"]["planned"]["amount"] == 2_000_000
    )
    nik = sma_batch.lines.select_related("person").get().person.nik
    lines = api.get(reverse("distribution_api:lines"), {"nik": nik}).json()
    assert [row["reference"] for row in lines["results"]] == [sma_batch.lines.get().reference]
    assert api.get(reverse("distribution_api:report"), {"year": 2026}).status_code == 200
    _other, other_key = api_client_factory(["programs:read"])
    other = Client(headers={"Authorization": f"Bearer {other_key}"})
    assert other.get(reverse("distribution_api:batches")).status_code == 403
    # Leadership reads the report, never a line; an officer elsewhere sees nothing.
    assert client_for(leader).get(reverse("distribution_api:report")).status_code == 200
    assert client_for(leader).get(reverse("distribution_api:batches")).status_code == 403
    assert (
        client_for(puskesos_b).get(reverse("distribution_api:lines"), {"nik": nik}).json()["count"]
        == 0
    )


def test_the_task_inbox_lists_built_batches_awaiting_the_users_approval_not_their_own(
    dinsos_admin: User, second_admin: User
) -> None:
    beneficiary()
    batch = build(new_batch(SMA, actor=dinsos_admin), actor=dinsos_admin)
    marker = f'data-batch="{batch.pk}"'

    approver_page = client_for(second_admin).get(reverse("verification:tasks"))
    preparer_page = client_for(dinsos_admin).get(reverse("verification:tasks"))

    assert marker in approver_page.content.decode()
    assert marker not in preparer_page.content.decode()


def test_a_refused_batch_shows_its_form_again_with_the_reason_at_the_tahap(
    dinsos_admin: User,
) -> None:
    beneficiary()
    data = {"cycle": cycle_of(SMA).pk, "tahap": 1, "period_start": "2026-01-01",
            "period_end": "2026-12-31", "planned_on": "2026-04-01"}  # fmt: skip
    client = client_for(dinsos_admin)
    assert client.post(reverse("distribution:list"), data).status_code == 302
    again = client.post(reverse("distribution:list"), {**data, "planned_on": "2026-05-01"})
    assert again.status_code == 200 and Batch.objects.count() == 1
    form = again.context["form"]
    assert form.errors["tahap"] and form["planned_on"].value() == "2026-05-01"
    assert b'id="error-summary"' in again.content


def test_a_refused_reissue_shows_the_batch_page_with_the_number_kept(
    sma_batch: Batch, dinsos_admin: User
) -> None:
    line = sma_batch.lines.get()
    Line.objects.filter(pk=line.pk).update(state="failed")
    client = client_for(dinsos_admin)
    url = reverse("distribution:reissue", args=[line.pk])
    for typed, said in (
        (999_999, "Tidak ada tahap penyaluran dengan nomor ini"),
        (sma_batch.pk, ""),
    ):
        page = client.post(url, {"batch": typed})
        assert page.status_code == 200
        form = page.context["line_form"]
        assert form.errors["batch"] and str(form["batch"].value()) == str(typed)
        assert said in " ".join(form.errors["batch"])
        assert b'id="error-summary"' in page.content and b'id="id_batch"' in page.content
    assert client.post(url, {"batch": ""}).status_code == 200
    assert not Line.objects.filter(reissue_of=line).exists()


def test_a_refused_return_file_or_lpj_asks_for_the_file_again(
    kis_batch: Batch, sma_batch: Batch, dinsos_admin: User, dinkes_officer: User
) -> None:
    refused = client_for(dinkes_officer).post(
        reverse("distribution:return-upload", args=[kis_batch.pk]),
        {"file": SimpleUploadedFile("r.csv", b"reference;amount;status;reason\n")},
    )
    assert refused.status_code == 200 and not kis_batch.return_files.exists()
    errors = " ".join(refused.context["return_form"].errors["file"])
    assert "sudah dikirim" in errors and "Pilih berkasnya lagi" in errors
    line = sma_batch.lines.get()
    url = reverse("distribution:lpj", args=[line.pk])
    client = client_for(dinsos_admin)
    empty = client.post(url, {})
    assert empty.status_code == 200 and empty.context["line_form"].errors["document"]
    refused = client.post(url, {"document": SimpleUploadedFile("lpj.pdf", b"%PDF-1.4 lpj")})
    assert refused.status_code == 200
    assert "Pilih berkasnya lagi" in " ".join(refused.context["line_form"].errors["document"])
    assert b'id="error-summary"' in refused.content


def test_a_reason_the_system_gives_a_line_is_shown_in_indonesian(
    dinsos_admin: User, second_admin: User
) -> None:
    dies = beneficiary()
    batch = build(new_batch(SMA, actor=dinsos_admin))
    batch_approve(actor=second_admin, batch_id=batch.pk)
    Person.objects.filter(pk=dies.person_id).update(is_deceased=True, death_date=date(2026, 3, 1))
    batch_send(actor=dinsos_admin, batch_id=batch.pk)
    line = batch.lines.get()
    assert line.reason == "Exited or deceased before sending."  # stored as a stable msgid
    client = client_for(dinsos_admin)
    for page in (
        client.get(reverse("registry:household", args=[line.household_id])),
        client.get(reverse("distribution:batch", args=[batch.pk])),
    ):
        assert page.status_code == 200
        assert "Keluar atau meninggal sebelum pengiriman." in page.content.decode()
        assert b"Exited or deceased before sending." not in page.content


def test_reasons_built_with_amounts_are_stored_as_msgids_and_shown_translated(
    dinsos_admin: User, second_admin: User, api_client_factory
) -> None:  # type: ignore[no-untyped-def]
    """A refusal's amount and a return file's amount mismatch are kept as a msgid with its
    amounts, and read in the reader's language: Indonesian on the page, English if asked."""
    first, second = beneficiary(), beneficiary()
    Cycle.objects.filter(pk=first.cycle_id).update(budget=Decimal(3_000_000))
    batch = build(new_batch(SMA, actor=dinsos_admin))
    refusal = batch.refusals.get()
    assert refusal.enrolment_id == second.pk
    assert (refusal.detail, refusal.params) == ("The budget is %(budget)s.", {"budget": 3_000_000})
    batch_approve(actor=second_admin, batch_id=batch.pk)
    batch_send(actor=dinsos_admin, batch_id=batch.pk)
    line = batch.lines.get()
    upload = return_file_upload(
        actor=dinsos_admin,
        batch_id=batch.pk,
        file_name="r.csv",
        content=return_csv([(line.reference, 1_500_000, "00", "")]),
    )
    assert upload.preview["bad"] == [
        {
            "row": 2,
            "reference": line.reference,
            "reason": "The amount differs: %(file)s in the file, %(sent)s sent.",
            "params": {"file": 1_500_000, "sent": 2_000_000},
        }
    ]
    page = client_for(dinsos_admin).get(reverse("distribution:batch", args=[batch.pk]))
    text = page.content.decode()
    assert "Anggarannya Rp3.000.000." in text
    assert "Nominal berbeda: Rp1.500.000 di berkas, Rp2.000.000 dikirim." in text
    assert "%(" not in text and "The amount differs" not in text
    english = client_for(dinsos_admin)
    english.cookies["django_language"] = "en"
    text = english.get(reverse("distribution:batch", args=[batch.pk])).content.decode()
    assert "The amount differs: Rp1.500.000 in the file, Rp2.000.000 sent." in text
    assert "The budget is Rp3.000.000." in text
    # The API gives a line's stored reason and the same reason as the portal shows it.
    _client, key = api_client_factory(["distribution:read"])
    Line.objects.filter(pk=line.pk).update(reason="Unclaimed.")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    nik = Person.objects.get(pk=line.person_id).nik
    (row,) = api.get(reverse("distribution_api:lines"), {"nik": nik}).json()["results"]
    assert (row["reason"], row["reason_text"]) == ("Unclaimed.", "Tidak diambil.")
