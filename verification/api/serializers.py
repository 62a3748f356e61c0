from __future__ import annotations

from typing import Any

from rest_framework import serializers

from depok_kds.api.fields import MAX_ID
from verification.models import Complaint, FieldVisit
from verification.selectors import CheckView


class CheckSerializer(serializers.Serializer[CheckView]):
    id = serializers.IntegerField(source="check.pk")
    kind = serializers.CharField(source="check.kind")
    agency = serializers.CharField(source="check.agency_code")
    status = serializers.CharField()
    note = serializers.CharField(source="check.note")
    verdict = serializers.SerializerMethodField()

    def get_verdict(self, view: CheckView) -> dict[str, Any] | None:
        if view.verdict is None:
            return None
        return {
            "passed": view.verdict.passed,
            "reason": view.verdict.reason,
            "findings": view.verdict.findings,
            "decided_at": view.verdict.created_at,
        }


class VerdictInputSerializer(serializers.Serializer[Any]):
    passed = serializers.BooleanField()
    reason = serializers.CharField()
    findings = serializers.DictField(required=False, default=dict)


class VisitSerializer(serializers.ModelSerializer[FieldVisit]):
    application = serializers.IntegerField(
        source="check_row.application_id", default=None, allow_null=True
    )

    class Meta:
        model = FieldVisit
        fields = [
            "id",
            "household",
            "kelurahan_code",
            "purpose",
            "status",
            "application",
            "assigned_to",
            "due_on",
            "visited_on",
            "assessment",
            "notes",
            "latitude",
            "longitude",
        ]


class VisitQuerySerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=FieldVisit.Status.choices, required=False)
    overdue = serializers.ChoiceField(
        choices=["0", "1"], required=False, help_text="1: only visits past their due date"
    )


class VisitCompleteSerializer(serializers.Serializer[Any]):
    answers = serializers.DictField(child=serializers.CharField())
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    visited_on = serializers.DateField(required=False, allow_null=True, default=None)
    passed = serializers.BooleanField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EvidenceInputSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["photo", "document"])
    file = serializers.FileField()


class ComplaintSerializer(serializers.ModelSerializer[Complaint]):
    complainant_name = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "tracking_number",
            "kind",
            "category",
            "channel",
            "kelurahan_code",
            "household",
            "person",
            "application",
            "description",
            "complainant_name",
            "status",
            "due_at",
            "answer",
            "outcome",
            "answered_at",
            "reopened_application",
        ]

    def get_complainant_name(self, complaint: Complaint) -> str | None:
        visible = self.context.get("complainant_visible", False)
        return complaint.complainant_name if visible else None


class ComplaintQuerySerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=Complaint.Status.choices, required=False)


class ComplaintInputSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=Complaint.Kind.values)
    category = serializers.ChoiceField(choices=Complaint.Category.values)
    description = serializers.CharField()
    kelurahan_code = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=13
    )
    household = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    person = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    application = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    complainant_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=150
    )
    complainant_contact = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100
    )


class AnswerInputSerializer(serializers.Serializer[Any]):
    answer = serializers.CharField()
    outcome = serializers.ChoiceField(choices=Complaint.Outcome.values)
