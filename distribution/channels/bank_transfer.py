"""Cash to the beneficiary's own account, through the bank's disbursement file."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from distribution import bank_file
from distribution.channels import Adapter, Due, Loaded, Planned, Refused, adapter_register
from distribution.models import Batch, Channel, Line, Payee


def file_rows(batch: Batch, lines: QuerySet[Line]) -> Iterator[bank_file.FileRow]:
    description = f"KDS {batch.programme.code} tahap {batch.tahap}"[:40]
    rows = lines.values_list("reference", "account_number", "account_name", "amount")
    for reference, number, name, amount in rows.iterator(chunk_size=10_000):
        yield bank_file.FileRow(reference, number, name, amount, description)


def write_bank_file(adapter: Adapter, batch: Batch, lines: QuerySet[Line]) -> tuple[str, bytes]:
    layout = adapter.settings.get("layout") or {}
    content = bank_file.write(
        layout, file_rows(batch, lines), batch_ref=f"KDS{batch.pk:06d}", on=batch.planned_on
    )
    extension = "csv" if layout.get("format", "csv") == "csv" else "txt"
    return f"disbursement-{batch.pk}.{extension}", content


@adapter_register
class BankTransfer(Adapter):
    channel = Channel.BANK_TRANSFER
    payee_kind = Payee.Kind.PERSON

    def load(self, batch: Batch, dues: list[Due]) -> Loaded:
        return Loaded({"payees": self.person_payees(dues, self.payee_kind)})

    def plan(self, due: Due, loaded: Loaded, batch: Batch) -> list[Planned] | Refused:
        payee = loaded.data["payees"].get(due.person_id)
        refusal = self.payee_refusal(payee)
        if refusal is not None:
            return refusal
        return [
            Planned(amount=due.amount, payee=payee, warning=self.name_warning(payee, due.full_name))
        ]

    def export(self, batch: Batch, lines: QuerySet[Line]) -> tuple[str, bytes] | None:
        return write_bank_file(self, batch, lines)
