"""SD/MI and SMP/MTs at private schools: paid to the school, one transfer per school per
tahap, with an annex listing its students."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import QuerySet

from distribution import bank_file
from distribution.channels import Adapter, Due, Loaded, Planned, Refused, adapter_register
from distribution.models import Batch, Channel, Line, Payee, Refusal
from programs.education.models import EducationDetail


def school_reference(batch: Batch, payee_id: int) -> str:
    return f"SCH{batch.pk:06d}{payee_id:07d}"


@adapter_register
class SchoolTransfer(Adapter):
    channel = Channel.SCHOOL_TRANSFER

    def load(self, batch: Batch, dues: list[Due]) -> Loaded:
        schools = dict(
            EducationDetail.objects.filter(
                application_id__in=[d.application_id for d in dues if d.application_id]
            ).values_list("application_id", "school_name")
        )
        payees = {
            p.name.casefold(): p
            for p in Payee.objects.filter(kind=Payee.Kind.SCHOOL, is_active=True)
        }
        return Loaded({"schools": schools, "payees": payees})

    def plan(self, due: Due, loaded: Loaded, batch: Batch) -> list[Planned] | Refused:
        school = loaded.data["schools"].get(due.application_id)
        if not school:
            return Refused(Refusal.Reason.PAYEE, "The student's school is not recorded.")
        payee = loaded.data["payees"].get(school.casefold())
        refusal = self.payee_refusal(payee)
        if refusal is not None:
            return refusal
        return [Planned(amount=due.amount, payee=payee)]

    @staticmethod
    def transfers(batch: Batch, lines: Iterable[Line]) -> dict[str, list[Line]]:
        """The transfers of the batch: one reference per school, with its lines."""
        grouped: dict[str, list[Line]] = defaultdict(list)
        for line in lines:
            if line.payee_id is not None:
                grouped[school_reference(batch, line.payee_id)].append(line)
        return grouped

    def export(self, batch: Batch, lines: QuerySet[Line]) -> tuple[str, bytes] | None:
        lines = lines.select_related("person", "outlet")
        rows = []
        annex = io.StringIO()
        writer = csv.writer(annex, delimiter=";", lineterminator="\r\n")
        writer.writerow(["transfer", "school", "line", "student", "amount"])
        for reference, group in sorted(self.transfers(batch, lines).items()):
            first = group[0]
            total = sum((line.amount for line in group), Decimal(0))
            rows.append(
                bank_file.FileRow(
                    reference=reference,
                    account_number=first.account_number,
                    account_name=first.account_name,
                    amount=total,
                    description=f"KDS {batch.programme.code} {len(group)} siswa"[:40],
                )
            )
            for line in group:
                writer.writerow(
                    [reference, first.account_name, line.reference, line.person.full_name,
                     int(line.amount)]
                )  # fmt: skip
        layout = self.settings.get("layout") or {}
        content = bank_file.write(layout, rows, batch_ref=f"KDS{batch.pk:06d}", on=batch.planned_on)
        # One file: the transfers, then a blank line, then the annex of students per school.
        return f"school-transfers-{batch.pk}.csv", content + b"\r\n" + annex.getvalue().encode()
