"""KIS PBI-APBD: the premium paid to BPJS Kesehatan per member-month.

A batch covers whole months; each member's line is the configured premium times the
months of the period, the same for every member, so the builder writes the lines in SQL
(`SetBased`). Coverage starts on the first day of the month after approval (the
enrolment's `starts_on`): a member whose coverage starts after the period begins is not
due yet. Members who exited or died are dropped by the builder and listed for
deactivation.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from depok_kds.errors import DomainError
from distribution.channels import Adapter, SetBased, adapter_register, months_in
from distribution.models import Batch, Channel, Line
from programs.models import Enrolment


@adapter_register
class BpjsPremium(Adapter):
    channel = Channel.BPJS_PREMIUM
    periodic = True

    def premium(self) -> Decimal:
        premium = self.settings.get("premium")
        if not premium:
            raise DomainError(_("The premium per member-month is not configured."), code="premium")
        return Decimal(premium)

    def set_based(self, batch: Batch) -> SetBased:
        months = months_in(batch.period_start, batch.period_end)
        return SetBased(
            amount=self.premium() * months,
            covered_from=batch.period_start,
            label="coverage starts",
        )

    def export(self, batch: Batch, lines: QuerySet[Line]) -> tuple[str, bytes] | None:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        months = months_in(batch.period_start, batch.period_end)
        writer.writerow(["reference", "nik", "name", "period", "months", "premium"])
        period = batch.period_start.strftime("%Y%m")
        rows = lines.values_list("reference", "person__nik", "person__full_name", "amount")
        for reference, nik, name, amount in rows.iterator(chunk_size=10_000):
            writer.writerow([reference, nik or "", name, period, months, int(amount)])
        return f"bpjs-members-{batch.pk}-{period}.csv", out.getvalue().encode()


def deactivations(batch: Batch) -> list[tuple[str, str, str, str]]:
    """Members covered before this batch's period who exited or died since: the list BPJS
    needs to end their coverage. (NIK, name, exit reason, exit date.)"""
    earlier = Line.objects.filter(
        batch__programme_id=batch.programme_id,
        batch__period_end__lt=batch.period_start,
        state__in=["pending", "paid"],
    ).values("enrolment_id")
    gone = (
        Enrolment.objects.filter(pk__in=earlier)
        .filter(Q(status=Enrolment.Status.EXITED) | Q(person__is_deceased=True))
        .exclude(pk__in=Line.objects.filter(batch=batch).values("enrolment_id"))
        .values_list("person__nik", "person__full_name", "exit_reason", "exited_on")
        .order_by("person__nik")
    )
    return [
        (nik or "", name, reason or "death", on.isoformat() if on else "")
        for nik, name, reason, on in gone
    ]


def deactivation_file(batch: Batch) -> tuple[str, bytes]:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["nik", "name", "reason", "exited_on"])
    writer.writerows(deactivations(batch))
    return f"bpjs-deactivations-{batch.pk}.csv", out.getvalue().encode()
