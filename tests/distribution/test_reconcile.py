"""The bank file and the bank's return file: preview, apply, idempotence, re-issue."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation
from openpyxl import Workbook

from depok_kds.errors import Conflict, DomainError
from depok_kds.models import AuditEntry, User
from distribution import bank_file
from distribution.models import Batch, ChannelConfig, Line, LineEvent, Payee, ReturnFile
from distribution.reasons import reason_text
from distribution.selectors import batch_totals
from distribution.services import (
    batch_approve,
    batch_export,
    line_reissue,
    payee_save,
    return_file_apply,
    return_file_upload,
)
from tests.distribution.factories import (
    account,
    beneficiary,
    build,
    new_batch,
    return_csv,
    sent,
)

SMA = "pendidikan-sma"
KIS = "kis-pbi-apbd"


@pytest.fixture
def batch(dinsos_admin: User, second_admin: User) -> Batch:
    for _ in range(4):
        beneficiary()
    return sent(new_batch(SMA, actor=dinsos_admin), preparer=dinsos_admin, approver=second_admin)


def refs(batch: Batch) -> list[str]:
    return list(batch.lines.order_by("pk").values_list("reference", flat=True))


def test_the_bank_file_has_header_and_trailer_with_count_and_total(
    batch: Batch, dinsos_admin: User
) -> None:
    name, content = batch_export(actor=dinsos_admin, batch_id=batch.pk)
    rows = content.decode().split("\r\n")
    assert name.endswith(".csv")
    assert rows[0].split(";")[3:] == ["4", "8000000"]
    assert rows[-2] == "T;4;8000000"
    assert rows[1].split(";")[0] == refs(batch)[0]
    assert AuditEntry.objects.filter(action="distribution.batch_export").count() == 1


def test_a_fixed_width_layout_pads_every_column() -> None:
    layout = {
        "format": "fixed",
        "columns": [
            {"name": "reference", "width": 16},
            {"name": "account_number", "width": 15},
            {"name": "amount", "width": 12},
        ],
    }
    row = bank_file.FileRow("KDS0000010000001", "0012000000001", "BUDI", Decimal(2_000_000), "x")
    lines = bank_file.write(layout, [row], batch_ref="KDS000001", on=date(2026, 4, 1)).split(
        b"\r\n"
    )
    assert lines[1] == b"KDS0000010000001" + b"000012000000001" + b"000002000000"
    assert lines[2] == b"T" + b"1".rjust(10, b"0") + b"2000000".rjust(18, b"0")
    with pytest.raises(bank_file.LayoutError):
        bank_file.write({"format": "fixed", "columns": ["reference"]}, [row], batch_ref="x",
                        on=date(2026, 4, 1))  # fmt: skip


def test_a_name_on_the_account_that_differs_is_a_warning(dinsos_admin: User) -> None:
    enrolment = beneficiary(with_account=False)
    payee_save(actor=None, kind="person", person_id=enrolment.person_id, name="x",
               account_number=account(), account_name="SOMEONE ELSE")  # fmt: skip
    batch = new_batch(SMA, actor=dinsos_admin)
    line = build(batch).lines.get()
    assert line.warning == "The name on the account differs from the registry name."


def test_preview_lists_bad_rows_and_changes_nothing(batch: Batch, dinsos_admin: User) -> None:
    a, b, c, d = refs(batch)
    other = beneficiary()
    other_batch = new_batch(SMA, actor=dinsos_admin, tahap=2)
    other_ref = build(other_batch).lines.get(enrolment=other).reference
    content = return_csv(
        [
            (a, 2_000_000, "00", ""),
            (b, 2_000_000, "GAGAL", "Rekening tutup"),
            (b, 2_000_000, "00", ""),
            (c, 1_500_000, "00", ""),
            ("NOPE", 2_000_000, "00", ""),
            (other_ref, 2_000_000, "00", ""),
        ]
    ) + "KDS\xff;2000000;00;\r\n".encode("latin-1")
    upload = return_file_upload(actor=dinsos_admin, batch_id=batch.pk, file_name="r.csv",
                                content=content)  # fmt: skip
    with translation.override("en"):
        bad = {
            (row["row"], reason_text(row["reason"], row.get("params")))
            for row in upload.preview["bad"]
        }
    assert bad == {
        (4, "The reference appears twice in the file."),
        (5, "The amount differs: Rp1.500.000 in the file, Rp2.000.000 sent."),
        (6, "The reference is unknown."),
        (7, "The reference belongs to another batch."),
        (8, "The row is not valid UTF-8 text."),
    }
    # Stored as a msgid with its amounts, not as English text.
    assert upload.preview["bad"][1]["params"] == {"file": 1_500_000, "sent": 2_000_000}
    assert (upload.preview["paid"], upload.preview["failed"]) == (1, 1)
    assert set(batch.lines.values_list("state", flat=True)) == {"pending"}
    assert d


def test_apply_sets_states_with_the_banks_reason_and_a_rerun_changes_nothing(
    batch: Batch, dinsos_admin: User
) -> None:
    a, b, c, d = refs(batch)
    content = return_csv(
        [(a, 2_000_000, "00", ""), (b, 2_000_000, "GAGAL", "Rekening tutup"),
         (c, 2_000_000, "RETUR", "Nama tidak sesuai"), (d, 2_000_000, "00", "")]
    )  # fmt: skip
    first = return_file_apply(
        actor=dinsos_admin,
        return_file_id=return_file_upload(
            actor=dinsos_admin, batch_id=batch.pk, file_name="r.csv", content=content
        ).pk,
    )
    assert first.lines_changed == 4
    states = dict(batch.lines.values_list("reference", "state"))
    assert states == {a: "paid", b: "failed", c: "returned", d: "paid"}
    assert batch.lines.get(reference=b).reason == "Rekening tutup"
    batch.refresh_from_db()
    assert batch.state == "settled"
    again = return_file_apply(
        actor=dinsos_admin,
        return_file_id=return_file_upload(
            actor=dinsos_admin, batch_id=batch.pk, file_name="r.csv", content=content
        ).pk,
    )
    assert again.lines_changed == 0
    assert again.preview["unchanged"] == 4
    totals = batch_totals(batch)
    assert totals["paid"] == {"lines": 2, "amount": 4_000_000}
    assert totals["failed"]["lines"] == totals["returned"]["lines"] == 1
    assert totals["outstanding"]["lines"] == 0


def test_a_failed_line_cannot_become_paid_by_a_later_file(batch: Batch, dinsos_admin: User) -> None:
    a = refs(batch)[0]
    upload = return_file_upload(actor=dinsos_admin, batch_id=batch.pk, file_name="1.csv",
                                content=return_csv([(a, 2_000_000, "GAGAL", "x")]))  # fmt: skip
    return_file_apply(actor=dinsos_admin, return_file_id=upload.pk)
    later = return_file_upload(actor=dinsos_admin, batch_id=batch.pk, file_name="2.csv",
                               content=return_csv([(a, 2_000_000, "00", "")]))  # fmt: skip
    assert later.preview["bad"] == [
        {
            "row": 2,
            "reference": a,
            "reason": "A %(state)s line cannot become %(status)s.",
            "params": {"state": "failed", "status": "paid"},
        }
    ]
    (bad,) = later.preview["bad"]
    assert reason_text(bad["reason"], bad["params"]) == (
        "Baris berstatus gagal tidak dapat menjadi dibayar."
    )
    with translation.override("en"):
        assert reason_text(bad["reason"], bad["params"]) == "A failed line cannot become paid."


def test_an_xlsx_return_file_is_read(batch: Batch, dinsos_admin: User) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["reference", "amount", "status", "reason"])
    for ref in refs(batch):
        sheet.append([ref, 2000000, "SUKSES", None])
    out = io.BytesIO()
    book.save(out)
    upload = return_file_upload(actor=dinsos_admin, batch_id=batch.pk, file_name="r.xlsx",
                                content=out.getvalue())  # fmt: skip
    assert upload.preview["paid"] == 4 and upload.preview["bad"] == []


def test_a_failed_line_is_reissued_in_a_later_tahap_and_paid_once(
    batch: Batch, dinsos_admin: User, second_admin: User
) -> None:
    failed = batch.lines.order_by("pk").first()
    assert failed is not None
    upload = return_file_upload(
        actor=dinsos_admin, batch_id=batch.pk, file_name="r.csv",
        content=return_csv([(failed.reference, 2_000_000, "GAGAL", "Rekening tutup")]),
    )  # fmt: skip
    return_file_apply(actor=dinsos_admin, return_file_id=upload.pk)
    later = new_batch(SMA, actor=dinsos_admin, tahap=2, start=date(2026, 4, 1),
                      end=date(2026, 6, 30))  # fmt: skip
    # Not in the same tahap; only with a corrected account.
    with pytest.raises(DomainError):
        line_reissue(actor=dinsos_admin, line_id=failed.pk, batch_id=batch.pk)
    Payee.objects.filter(pk=failed.payee_id).update(account_number="12")
    with pytest.raises(DomainError):
        line_reissue(actor=dinsos_admin, line_id=failed.pk, batch_id=later.pk)
    new_account = account()
    payee_save(actor=dinsos_admin, kind="person", person_id=failed.person_id, name="x",
               account_number=new_account)  # fmt: skip
    reissued = line_reissue(actor=dinsos_admin, line_id=failed.pk, batch_id=later.pk)
    assert reissued.account_number == new_account and reissued.period == failed.period
    with pytest.raises(Conflict):
        line_reissue(actor=dinsos_admin, line_id=failed.pk, batch_id=later.pk)
    # Building the later batch keeps the re-issue and pays no second line for the period.
    build(later)
    assert Line.objects.filter(enrolment_id=failed.enrolment_id, state="pending").count() == 1
    assert later.refusals.get(enrolment_id=failed.enrolment_id).reason == "already_paid"


def test_a_programme_whose_channel_configuration_is_removed_cannot_be_paid(db: None) -> None:
    beneficiary()
    ChannelConfig.objects.filter(programme__code=SMA).delete()
    with pytest.raises(DomainError):
        new_batch(SMA)


@pytest.mark.parametrize("size", [2, 12])
def test_a_return_file_is_judged_and_applied_in_a_fixed_number_of_queries(
    size: int,
    dinsos_admin: User,
    second_admin: User,
    django_assert_max_num_queries: object,
) -> None:
    for _ in range(size):
        beneficiary()
    batch = sent(new_batch(SMA, actor=dinsos_admin), preparer=dinsos_admin, approver=second_admin)
    rows = [(ref, 2_000_000, "00", "") for ref in refs(batch)]
    rows[0] = (rows[0][0], 2_000_000, "GAGAL", "Rekening tutup")
    content = return_csv([*rows, ("NOPE", 1, "00", "")])
    with django_assert_max_num_queries(40):  # type: ignore[operator]
        upload = return_file_upload(
            actor=dinsos_admin, batch_id=batch.pk, file_name="r.csv", content=content
        )
        applied = return_file_apply(actor=dinsos_admin, return_file_id=upload.pk)
    assert applied.lines_changed == size
    assert upload.preview["bad"] == [
        {"row": size + 2, "reference": "NOPE", "reason": "The reference is unknown."}
    ]


@pytest.mark.parametrize("size", [2, 12])
def test_a_batch_is_built_and_its_file_written_in_a_fixed_number_of_queries(
    size: int,
    dinsos_admin: User,
    second_admin: User,
    django_assert_max_num_queries: object,
) -> None:
    for _ in range(size):
        beneficiary()
    batch = new_batch(SMA, actor=dinsos_admin)
    with django_assert_max_num_queries(36):  # type: ignore[operator]
        build(batch, actor=dinsos_admin)
    batch_approve(actor=second_admin, batch_id=batch.pk)
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        _name, content = batch_export(actor=dinsos_admin, batch_id=batch.pk)
    assert content.decode().split("\r\n")[-2] == f"T;{size};{size * 2_000_000}"


def test_the_apply_moves_what_the_upload_judged_and_the_batch_records_it(
    batch: Batch, dinsos_admin: User
) -> None:
    a, b, _c, _d = refs(batch)
    content = return_csv([(a, 2_000_000, "00", ""), (b, 2_000_000, "GAGAL", "Rekening tutup")])
    upload = return_file_upload(
        actor=dinsos_admin, batch_id=batch.pk, file_name="r.csv", content=content
    )
    # The file is read once, at upload: the apply works from the kept verdict.
    ReturnFile.objects.filter(pk=upload.pk).update(content=b"not read again")
    applied = return_file_apply(actor=dinsos_admin, return_file_id=upload.pk)
    assert applied.lines_changed == 2
    lines = {line.reference: line for line in batch.lines.all()}
    assert (lines[a].state, lines[b].state, lines[b].reason) == ("paid", "failed", "Rekening tutup")
    assert lines[a].settled_on is not None
    assert (applied.paid_lines, applied.failed_lines) == ([lines[a].pk], [lines[b].pk])
    assert applied.failed_reasons == ["Rekening tutup"]
    # One event for the batch per file; each line holds its own outcome.
    assert batch.events.order_by("pk").last().note == "r.csv: 1 failed, 1 paid"  # type: ignore[union-attr]
    assert not LineEvent.objects.filter(line__batch=batch).exists()


@pytest.mark.parametrize("short_row", [False, True])
def test_rows_with_a_bad_amount_an_unknown_status_or_too_few_columns_are_listed(
    batch: Batch, dinsos_admin: User, short_row: bool
) -> None:
    """A regular file is read by COPY, one COPY refuses (a short row) row by row in Python:
    the same rows are judged the same either way."""
    a, b, c, d = refs(batch)
    text = f"reference;amount;status;reason\r\n{a};2.000.000;00;\r\n{b};dua juta;00;\r\n"
    text += f"{c};2000000;??;\r\n;;;\r\n"
    if short_row:
        text += f"{d};2000000\r\n"
    upload = return_file_upload(
        actor=dinsos_admin, batch_id=batch.pk, file_name="r.csv", content=text.encode()
    )
    expected = [
        {"row": 3, "reference": b, "reason": "The amount is not a number."},
        {"row": 4, "reference": c, "reason": "The status code is unknown."},
    ]
    if short_row:
        expected.append({"row": 6, "reference": d, "reason": "The row has too few columns."})
    assert upload.preview["bad"] == expected
    assert (upload.preview["rows"], upload.preview["paid"]) == (len(expected) + 1, 1)


def _line_updates() -> tuple[int, int]:
    """Line rows updated in this transaction, and how many of them in place (HOT)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass),"
            " pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            [Line._meta.db_table] * 2,
        )
        updated, in_place = cursor.fetchone()
    return updated, in_place


def test_paying_every_line_of_full_pages_updates_each_in_place(
    dinkes_officer: User, dinsos_admin: User
) -> None:
    """Each page of lines keeps room for the paid version of every line on it, so paying
    a batch writes no index: with too little room, the last line of each full page would
    be moved to another page, with a new entry in every index of the lines."""
    for _ in range(30):  # KIS premium lines: more than one page holds
        beneficiary(KIS, with_account=False)
    batch = new_batch(KIS, actor=dinkes_officer, start=date(2026, 1, 1), end=date(2026, 1, 31))
    sent(batch, preparer=dinkes_officer, approver=dinsos_admin)
    content = return_csv([(ref, 42_000, "00", "") for ref in refs(batch)])
    upload = return_file_upload(
        actor=dinkes_officer, batch_id=batch.pk, file_name="r.csv", content=content
    )
    updated, in_place = _line_updates()
    applied = return_file_apply(actor=dinkes_officer, return_file_id=upload.pk)
    after_updated, after_in_place = _line_updates()
    assert applied.lines_changed == after_updated - updated == 30
    assert after_in_place - in_place == 30
