from __future__ import annotations

from typing import Any

from rest_framework import serializers

from distribution.models import Batch, Line
from distribution.reasons import reason_text
from distribution.report import GROUPS
from distribution.selectors import batch_totals


class BatchSerializer(serializers.ModelSerializer[Batch]):
    programme = serializers.CharField(source="programme.code")
    year = serializers.IntegerField(source="cycle.year")
    totals = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id", "programme", "year", "tahap", "channel", "period_start", "period_end",
            "planned_on", "state", "approved_at", "totals",
        ]  # fmt: skip

    def get_totals(self, batch: Batch) -> dict[str, dict[str, int]]:
        return batch_totals(batch)


class LineSerializer(serializers.ModelSerializer[Line]):
    batch = serializers.IntegerField(source="batch_id")
    programme = serializers.CharField(source="batch.programme.code")
    tahap = serializers.IntegerField(source="batch.tahap")
    period = serializers.SerializerMethodField()
    # `reason` is the stored value (the system's msgid, or the bank's own words); this is
    # it as the portal shows it, in the request's language.
    reason_text = serializers.SerializerMethodField()

    class Meta:
        model = Line
        fields = [
            "id", "batch", "programme", "tahap", "reference", "person", "component", "period",
            "amount", "state", "reason", "reason_text", "settled_on",
        ]  # fmt: skip

    def get_reason_text(self, line: Line) -> str:
        return reason_text(line.reason)

    def get_period(self, line: Line) -> dict[str, Any]:
        return {"from": line.period.lower, "until": line.period.upper}


class RealisationQuerySerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    group = serializers.ChoiceField(choices=sorted(GROUPS), required=False, default="programme")
