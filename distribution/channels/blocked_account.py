"""Higher education: into a blocked account in the student's name, per semester, with the
running total per student held under the programme's cap (Rp23 million until graduation)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from distribution import reasons
from distribution.channels import Due, Loaded, Planned, Refused, adapter_register
from distribution.channels.bank_transfer import BankTransfer
from distribution.models import LIVE_LINE_STATES, Batch, Channel, Line, Payee, Refusal

DEFAULT_CAP = Decimal(23_000_000)


@adapter_register
class BlockedAccount(BankTransfer):
    channel = Channel.BLOCKED_ACCOUNT
    periodic = True
    payee_kind = Payee.Kind.BLOCKED_ACCOUNT

    def load(self, batch: Batch, dues: list[Due]) -> Loaded:
        loaded = super().load(batch, dues)
        paid = (
            Line.objects.filter(
                batch__programme_id=batch.programme_id,
                state__in=LIVE_LINE_STATES,
                person_id__in=[d.person_id for d in dues],
            )
            .values("person_id")
            .annotate(total=Sum("amount"))
        )
        loaded.data["paid"] = {row["person_id"]: row["total"] for row in paid}
        return loaded

    def plan(self, due: Due, loaded: Loaded, batch: Batch) -> list[Planned] | Refused:
        cap = Decimal(self.settings.get("cap", DEFAULT_CAP))
        before = loaded.data["paid"].get(due.person_id, Decimal(0))
        if before + due.amount > cap:
            return Refused(
                Refusal.Reason.CAP,
                reasons.CAP_REACHED,
                {"paid": reasons.amount_param(before), "cap": reasons.amount_param(cap)},
            )
        planned = super().plan(due, loaded, batch)
        if not isinstance(planned, Refused):
            # Later enrolments of the same student in this build count towards the cap too.
            loaded.data["paid"][due.person_id] = before + due.amount
        return planned
