"""KIS PBI-APBD: the premium paid to BPJS Kesehatan per member-month.

A batch covers whole months; each member's line is the configured premium times the
months of the period, the same for every member, so the builder writes the lines in SQL
(`SetBased`). Coverage starts on the first day of the month after approval (the
enrolment's `starts_on`): a member whose coverage starts after the period begins is not
due yet. Members who exited or died are dropped by the builder and listed for
deactivation. A DTSEN quarter's applied exits and its newly eligible members who were
enrolled are listed for deactivation and activation in the same file layout.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from depok_kds.errors import DomainError
from distribution import reasons
from distribution.channels import Adapter, SetBased, adapter_register, months_in
from distribution.models import Batch, Channel, Line
from programs.models import Enrolment
from programs.transition.models import Change, ExitProposal, ImpactEntry, ProposalStatus


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
            label=reasons.COVERAGE_STARTS,
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


MemberRow = tuple[str, str, str, str]  # NIK, name, reason, date


def _member_rows(
    enrolments: QuerySet[Enrolment], *, reason: str | None, date_field: str
) -> list[MemberRow]:
    """(NIK, name, reason, date) per enrolment, by NIK: the exit reason (a death without one)
    and exit date for a deactivation; `reason` and the coverage start for an activation."""
    rows = enrolments.values_list("person__nik", "person__full_name", "exit_reason", date_field)
    return [
        (nik or "", name, reason or exit_reason or "death", on.isoformat() if on else "")
        for nik, name, exit_reason, on in rows.order_by("person__nik")
    ]


def _member_file(name: str, *, dated: str, rows: list[MemberRow]) -> tuple[str, bytes]:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["nik", "name", "reason", dated])
    writer.writerows(rows)
    return name, out.getvalue().encode()


def deactivations(batch: Batch) -> list[MemberRow]:
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
    )
    return _member_rows(gone, reason=None, date_field="exited_on")


def deactivation_file(batch: Batch) -> tuple[str, bytes]:
    return _member_file(
        f"bpjs-deactivations-{batch.pk}.csv", dated="exited_on", rows=deactivations(batch)
    )


def quarter_deactivation_file(programme_id: int, period: str) -> tuple[str, bytes]:
    """The members whose exit a DTSEN quarter proposed and an officer approved, once
    applied: BPJS ends their coverage on the exit date."""
    gone = Enrolment.objects.filter(
        pk__in=ExitProposal.objects.filter(
            programme_id=programme_id, period=period, status=ProposalStatus.APPLIED
        ).values("enrolment_id")
    )
    rows = _member_rows(gone, reason=None, date_field="exited_on")
    return _member_file(f"bpjs-deactivations-{period}.csv", dated="exited_on", rows=rows)


def quarter_activation_file(programme_id: int, period: str) -> tuple[str, bytes]:
    """The members of households a DTSEN quarter brought into the programme's deciles who were
    not enrolled then and are enrolled now: BPJS starts their coverage on `starts_on`."""
    year = int(period[:4])
    entered = ImpactEntry.objects.filter(
        programme_id=programme_id, period=period, change=Change.ENTERED, enrolled=False
    ).values("household_id")
    joined = Enrolment.objects.filter(
        programme_id=programme_id,
        year=year,
        status=Enrolment.Status.ACTIVE,
        household_id__in=entered,
    )
    rows = _member_rows(joined, reason="activation", date_field="starts_on")
    return _member_file(f"bpjs-activations-{period}.csv", dated="starts_on", rows=rows)
