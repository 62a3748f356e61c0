"""The bank's host-to-host service, tested against a fake bank on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from depok_kds.errors import DomainError
from depok_kds.models import User
from distribution.bank_h2h import BankUnavailable, H2HClient
from distribution.services import batch_fetch_returns, batch_transmit, return_file_apply
from tests.distribution.factories import beneficiary, new_batch, sent
from tests.distribution.fake_bank import FakeBank


@pytest.fixture
def bank() -> Iterator[FakeBank]:
    fake = FakeBank(user="dinsos", password="rahasia")
    fake.start()
    yield fake
    fake.stop()


def client(bank: FakeBank, **kw: object) -> H2HClient:
    return H2HClient(url=bank.url, user="dinsos", password="rahasia", timeout_s=5,
                     sleep=lambda s: None, **kw)  # type: ignore[arg-type]  # fmt: skip


def test_a_batch_goes_to_the_bank_and_its_return_comes_back(
    bank: FakeBank, dinsos_admin: User, second_admin: User
) -> None:
    for _ in range(3):
        beneficiary()
    batch = sent(new_batch("pendidikan-sma", actor=dinsos_admin), preparer=dinsos_admin,
                 approver=second_admin)  # fmt: skip
    bank.fail_next = 1  # a busy host is retried
    batch = batch_transmit(actor=dinsos_admin, batch_id=batch.pk, client=client(bank))
    assert batch.bank_receipt == "R00001"
    failing = batch.lines.order_by("pk").first()
    assert failing is not None
    bank.statuses[failing.reference] = ("GAGAL", "Rekening dibekukan")
    upload = batch_fetch_returns(actor=dinsos_admin, batch_id=batch.pk, client=client(bank))
    assert (upload.preview["paid"], upload.preview["failed"]) == (2, 1)
    return_file_apply(actor=dinsos_admin, return_file_id=upload.pk)
    failing.refresh_from_db()
    assert (failing.state, failing.reason) == ("failed", "Rekening dibekukan")


def test_a_bank_that_stays_down_leaves_the_batch_as_it_was(
    bank: FakeBank, dinsos_admin: User, second_admin: User
) -> None:
    beneficiary()
    batch = sent(new_batch("pendidikan-sma", actor=dinsos_admin), preparer=dinsos_admin,
                 approver=second_admin)  # fmt: skip
    bank.fail_next = 10
    with pytest.raises(DomainError) as refused:
        batch_transmit(actor=dinsos_admin, batch_id=batch.pk, client=client(bank))
    assert refused.value.code == "bank_unavailable"
    batch.refresh_from_db()
    assert batch.bank_receipt == ""
    assert bank.calls == 3


def test_wrong_credentials_are_not_retried(bank: FakeBank) -> None:
    wrong = H2HClient(url=bank.url, user="x", password="y", sleep=lambda s: None)
    with pytest.raises(BankUnavailable):
        wrong.submit(batch_ref="KDS1", file_name="f.csv", content=b"x")
    assert bank.calls == 1


def test_plain_http_to_another_host_is_refused() -> None:
    with pytest.raises(BankUnavailable):
        H2HClient(url="http://bank.example", user="u", password="p").submit(
            batch_ref="x", file_name="f", content=b""
        )
