"""Assessment endpoints: record a household's 14-parameter answers, read its history.

Scoped like every registry endpoint: a household outside the caller's kelurahan is a 404.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from depok_kds.api.permissions import scope_required
from registry.models import Assessment
from registry.selectors import (
    assessment_explain,
    assessment_history,
    household_get,
)
from registry.services import assessment_record
from registry.services.assessments import RECORDABLE_SOURCES

ReadPermission = scope_required("registry:read", perm="registry.view_assessment")
WritePermission = scope_required("registry:write", perm="registry.add_assessment")


class CurrentAssessmentSerializer(serializers.Serializer[Assessment]):
    """A household's current class, as the household endpoints show it."""

    poverty_class = serializers.CharField()
    score = serializers.DecimalField(max_digits=7, decimal_places=2)
    max_score = serializers.DecimalField(max_digits=7, decimal_places=2)
    ruleset_version = serializers.CharField(source="ruleset.version")
    is_provisional = serializers.BooleanField(source="ruleset.is_provisional")
    assessed_on = serializers.DateField()


class AssessmentSerializer(CurrentAssessmentSerializer):
    id = serializers.IntegerField()
    is_current = serializers.BooleanField()
    source = serializers.CharField()  # type: ignore[assignment]
    answers = serializers.DictField(child=serializers.CharField())
    contributions = serializers.ListField(child=serializers.DictField())
    assessor = serializers.CharField(source="assessor.username", default=None, allow_null=True)
    created_at = serializers.DateTimeField()
    explanation = serializers.SerializerMethodField()

    def get_explanation(self, assessment: Assessment) -> list[str]:
        """The scoring module's explanation, in Indonesian."""
        return assessment_explain(assessment)


class AssessmentInputSerializer(serializers.Serializer[Any]):
    answers = serializers.DictField(
        child=serializers.CharField(max_length=60),
        allow_empty=False,
        help_text="Parameter code -> option code, one for each parameter of the active ruleset.",
    )
    source = serializers.ChoiceField(choices=sorted(RECORDABLE_SOURCES))  # type: ignore[assignment]
    assessed_on = serializers.DateField(required=False, help_text="Default: today.")


class HouseholdAssessmentsApi(APIView):
    """A household's assessments, newest first (GET); record a new one (POST)."""

    def get_permissions(self) -> list[BasePermission]:
        permission = WritePermission if self.request.method == "POST" else ReadPermission
        return [permission()]

    @extend_schema(
        operation_id="registry_household_assessments_list",
        responses=inline_serializer(
            "AssessmentHistory",
            {"count": serializers.IntegerField(), "results": AssessmentSerializer(many=True)},
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        household = household_get(user=request.user, household_id=pk)
        history = list(assessment_history(household=household))
        results = [AssessmentSerializer(assessment).data for assessment in history]
        return Response({"count": len(history), "results": results})

    @extend_schema(
        operation_id="registry_household_assessments_record",
        request=AssessmentInputSerializer,
        responses={201: AssessmentSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        household_get(user=request.user, household_id=pk)  # out of scope: 404 before any check
        data = AssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = assessment_record(
            actor=request.user,
            household_id=pk,
            answers=data.validated_data["answers"],
            source=data.validated_data["source"],
            assessed_on=data.validated_data.get("assessed_on"),
        )
        recorded = assessment_history(household=assessment.household).get(pk=assessment.pk)
        return Response(AssessmentSerializer(recorded).data, status=status.HTTP_201_CREATED)
