"""Overlap endpoints: findings (scoped like the portal), a decision on one, starting a
detection job, the aggregate targeting report and the household benefit ledger."""

from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from depok_kds.access import scope_for
from depok_kds.api.pagination import ApiPagination, paginated_response
from depok_kds.api.permissions import scope_required
from depok_kds.api.query import query_values
from programs.overlap.api.serializers import (
    TARGETING_REPORT,
    DecisionInputSerializer,
    DetectionInputSerializer,
    FindingQuerySerializer,
    FindingSerializer,
    LedgerQuerySerializer,
    LedgerSerializer,
    TargetingQuerySerializer,
)
from programs.overlap.selectors import benefit_ledger, finding_get, finding_list, targeting_report
from programs.overlap.services import finding_confirm, finding_dismiss
from programs.overlap.tasks import overlap_detect_start
from programs.selectors import programme_get
from registry.selectors import household_get

ReadPermission = scope_required("programs:read", perm="overlap.view_finding")
DecidePermission = scope_required("programs:write", perm="overlap.decide_finding")
ReportPermission = scope_required("programs:read", perm="overlap.view_overlap_report")
LedgerPermission = scope_required("programs:read", perm="programs.view_enrolment")
DetectPermission = scope_required("jobs:write", perm="overlap.run_overlap_detection")


class FindingListApi(APIView):
    permission_classes = [ReadPermission]
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="overlap_findings_list",
        parameters=[FindingQuerySerializer],
        responses=FindingSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = FindingQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        findings = finding_list(
            user=request.user,
            rule=query.validated_data.get("rule", ""),
            status=query.validated_data.get("status", ""),
            household_id=query.validated_data.get("household"),
            programme_id=query.validated_data.get("programme"),
        )
        return paginated_response(
            self, findings, lambda rows: FindingSerializer(rows, many=True).data
        )


class FindingDetailApi(APIView):
    permission_classes = [ReadPermission]

    @extend_schema(operation_id="overlap_findings_get", responses=FindingSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(FindingSerializer(finding_get(user=request.user, finding_id=pk)).data)


class FindingDecisionApi(APIView):
    permission_classes = [DecidePermission]

    @extend_schema(
        operation_id="overlap_findings_decide",
        request=DecisionInputSerializer,
        responses=FindingSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decide = finding_confirm if data.validated_data["action"] == "confirm" else finding_dismiss
        finding = decide(
            actor=request.user,  # type: ignore[arg-type]
            finding_id=pk,
            reason=data.validated_data["reason"],
        )
        return Response(FindingSerializer(finding).data)


class DetectionStartApi(APIView):
    permission_classes = [DetectPermission]

    @extend_schema(
        operation_id="overlap_detect",
        request=DetectionInputSerializer,
        responses={202: inline_serializer("JobStarted", {"job": serializers.IntegerField()})},
    )
    def post(self, request: Request) -> Response:
        data = DetectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        programme_id = data.validated_data["programme_id"]
        programme = None
        if programme_id:
            programme = programme_get(user=request.user, programme_id=programme_id)
        elif not scope_for(request.user).city_wide:
            raise PermissionDenied("A city-wide run needs a city-wide scope.")
        job = overlap_detect_start(
            actor=request.user,  # type: ignore[arg-type]
            programme=programme,
            year=data.validated_data["year"] or timezone.localdate().year,
        )
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)


class TargetingReportApi(APIView):
    permission_classes = [ReportPermission]

    @extend_schema(
        operation_id="overlap_report",
        parameters=[TargetingQuerySerializer],
        responses={200: TARGETING_REPORT},
    )
    def get(self, request: Request) -> Response:
        query = TargetingQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        report = targeting_report(
            kecamatan=query.validated_data.get("kecamatan", ""),
            year=query.validated_data.get("year"),
        )
        return Response(asdict(report))


class LedgerApi(APIView):
    permission_classes = [LedgerPermission]

    @extend_schema(
        operation_id="overlap_ledger",
        parameters=[LedgerQuerySerializer],
        responses=LedgerSerializer,
    )
    def get(self, request: Request) -> Response:
        query = LedgerQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        found = household_get(user=request.user, household_id=query.validated_data["household"])
        rows = benefit_ledger(user=request.user, household_id=found.pk)
        return Response({"household": found.pk, "results": [asdict(r) for r in rows]})
