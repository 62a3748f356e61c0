from __future__ import annotations

from typing import Any

from rest_framework import serializers

from depok_kds.api.fields import MAX_ID
from programs.models import Programme
from programs.overlap.models import Finding, FindingStatus
from programs.overlap.rules import RULE_CHOICES


class FindingSerializer(serializers.ModelSerializer[Finding]):
    description = serializers.SerializerMethodField()
    programme: serializers.SlugRelatedField[Programme] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Finding
        fields = [
            "id",
            "rule",
            "description",
            "severity",
            "blocks",
            "status",
            "reason",
            "person_id",
            "household_id",
            "enrolment_id",
            "application_id",
            "programme",
            "agency_code",
            "kelurahan_code",
            "year",
            "details",
            "first_seen",
            "last_seen",
            "closed_at",
        ]

    def get_description(self, obj: Finding) -> str:
        return str(obj.description)


class DecisionInputSerializer(serializers.Serializer[dict[str, str]]):
    action = serializers.ChoiceField(choices=["confirm", "dismiss"])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DetectionInputSerializer(serializers.Serializer[dict[str, int | None]]):
    programme_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    year = serializers.IntegerField(required=False, allow_null=True, default=None)


class FindingQuerySerializer(serializers.Serializer[Any]):
    rule = serializers.ChoiceField(choices=RULE_CHOICES, required=False)
    status = serializers.ChoiceField(choices=FindingStatus.choices, required=False)
    household = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    programme = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class TargetingQuerySerializer(serializers.Serializer[Any]):
    kecamatan = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="Kemendagri code; blank: all"
    )
    year = serializers.IntegerField(min_value=1900, max_value=9999, required=False)


class LedgerQuerySerializer(serializers.Serializer[Any]):
    household = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class LedgerRowSerializer(serializers.Serializer[Any]):
    household_id = serializers.IntegerField(allow_null=True)
    year = serializers.IntegerField()
    agency = serializers.CharField()
    programme = serializers.CharField()
    enrolments = serializers.IntegerField()
    amount = serializers.FloatField()


class LedgerSerializer(serializers.Serializer[Any]):
    household = serializers.IntegerField()
    results = LedgerRowSerializer(many=True)


_NAME_OR_COUNT = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
# The report's tuples as JSON arrays: [programme, count] and [area code, inclusion, exclusion].
TARGETING_REPORT = {
    "type": "object",
    "required": ["by_programme", "by_area", "inclusion_total", "exclusion_total"],
    "properties": {
        "by_programme": {
            "type": "array",
            "items": {"type": "array", "items": _NAME_OR_COUNT, "minItems": 2, "maxItems": 2},
        },
        "by_area": {
            "type": "array",
            "items": {"type": "array", "items": _NAME_OR_COUNT, "minItems": 3, "maxItems": 3},
        },
        "inclusion_total": {"type": "integer"},
        "exclusion_total": {"type": "integer"},
    },
}
