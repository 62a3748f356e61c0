"""Goods handed over at an outlet (food aid at the gerai pangan, disability aids): a
hand-over list per outlet; each hand-over (BAST) is recorded by the outlet's officer."""

from __future__ import annotations

import csv
import io

from django.db.models import QuerySet

from distribution.channels import Adapter, Due, Loaded, Planned, Refused, adapter_register
from distribution.models import Batch, Channel, Line, Outlet, Refusal
from registry.selectors import mask_nik


@adapter_register
class InKind(Adapter):
    channel = Channel.IN_KIND
    periodic = True

    def load(self, batch: Batch, dues: list[Due]) -> Loaded:
        by_kelurahan: dict[str, int] = {}
        for outlet in Outlet.objects.order_by("code"):
            for code in outlet.kelurahan_codes:
                by_kelurahan.setdefault(code, outlet.pk)
        return Loaded({"outlets": by_kelurahan})

    def plan(self, due: Due, loaded: Loaded, batch: Batch) -> list[Planned] | Refused:
        outlet_id = loaded.data["outlets"].get(due.kelurahan_code)
        if outlet_id is None:
            return Refused(Refusal.Reason.PAYEE, "No outlet serves the beneficiary's kelurahan.")
        return [Planned(amount=due.amount, outlet_id=outlet_id)]

    def export(self, batch: Batch, lines: QuerySet[Line]) -> tuple[str, bytes] | None:
        lines = lines.select_related("person", "outlet")
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(["outlet", "reference", "name", "nik", "kelurahan", "signature"])
        for line in sorted(lines, key=lambda x: (x.outlet.name if x.outlet else "", x.reference)):
            writer.writerow(
                [line.outlet.name if line.outlet else "", line.reference, line.person.full_name,
                 mask_nik(line.person.nik), line.kelurahan_code, ""]
            )  # fmt: skip
        return f"handover-list-{batch.pk}.csv", out.getvalue().encode()
