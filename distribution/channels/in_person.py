"""Death benefit: paid to the heir in person at the counter, never to a proxy; one heir
is paid once per death."""

from __future__ import annotations

import csv
import io

from django.db.models import QuerySet

from distribution.channels import Adapter, Due, Loaded, Planned, Refused, adapter_register
from distribution.models import LIVE_LINE_STATES, Batch, Channel, Line, Refusal
from programs.death_benefit.models import DeathBenefitDetail
from registry.selectors import mask_nik


@adapter_register
class InPerson(Adapter):
    channel = Channel.IN_PERSON

    def load(self, batch: Batch, dues: list[Due]) -> Loaded:
        deceased = dict(
            DeathBenefitDetail.objects.filter(
                application_id__in=[d.application_id for d in dues if d.application_id]
            ).values_list("application_id", "deceased_id")
        )
        # (heir, deceased) pairs already holding a live line in any batch of the programme.
        paid = set(
            Line.objects.filter(batch__programme_id=batch.programme_id, state__in=LIVE_LINE_STATES)
            .exclude(enrolment__application__death_benefit_detail__isnull=True)
            .values_list("person_id", "enrolment__application__death_benefit_detail__deceased_id")
        )
        return Loaded({"deceased": deceased, "paid": paid})

    def plan(self, due: Due, loaded: Loaded, batch: Batch) -> list[Planned] | Refused:
        deceased_id = loaded.data["deceased"].get(due.application_id)
        if deceased_id is not None:
            if (due.person_id, deceased_id) in loaded.data["paid"]:
                return Refused(Refusal.Reason.ONCE_PER_DEATH)
            loaded.data["paid"].add((due.person_id, deceased_id))
        return [Planned(amount=due.amount)]

    def export(self, batch: Batch, lines: QuerySet[Line]) -> tuple[str, bytes] | None:
        lines = lines.select_related("person", "outlet")
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(["reference", "heir", "nik", "amount", "signature"])
        for line in lines:
            writer.writerow(
                [line.reference, line.person.full_name, mask_nik(line.person.nik),
                 int(line.amount), ""]
            )  # fmt: skip
        return f"counter-list-{batch.pk}.csv", out.getvalue().encode()
