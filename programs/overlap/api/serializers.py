from __future__ import annotations

from rest_framework import serializers

from programs.models import Programme
from programs.overlap.models import Finding


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
