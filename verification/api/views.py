"""Verification endpoints: an application's checks (blind mode applied), verdicts, field
visits with their record and evidence, complaints and appeals."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from depok_kds.api.pagination import ApiPagination, paginated_response
from depok_kds.api.permissions import scope_required
from depok_kds.api.query import query_values
from verification.api.serializers import (
    AnswerInputSerializer,
    CheckSerializer,
    ComplaintInputSerializer,
    ComplaintQuerySerializer,
    ComplaintSerializer,
    EvidenceInputSerializer,
    VerdictInputSerializer,
    VisitCompleteSerializer,
    VisitQuerySerializer,
    VisitSerializer,
)
from verification.models import Complaint
from verification.selectors import (
    CheckView,
    application_verification_get,
    check_get,
    checks_for,
    complainant_shown,
    complaint_get,
    complaint_list,
    visit_get,
    visit_list,
)
from verification.services import (
    checks_open,
    complaint_answer,
    complaint_receive,
    evidence_upload,
    verdict_record,
    visit_complete,
)

Read = scope_required("verification:read", perm="verification.view_check")
Write = scope_required("verification:write", perm="verification.decide_check")
VisitRead = scope_required("verification:read", perm="verification.view_fieldvisit")
VisitWrite = scope_required("verification:write", perm="verification.change_fieldvisit")
ComplaintRead = scope_required("verification:read", perm="verification.view_complaint")
ComplaintWrite = scope_required("verification:write", perm="verification.change_complaint")


def _checks_data(views: list[CheckView]) -> Any:
    return CheckSerializer(views, many=True).data  # type: ignore[arg-type]


class ApplicationChecksApi(APIView):
    """GET the checks of an application; POST opens them (idempotent)."""

    def get_permissions(self) -> list[Any]:
        return [Read()] if self.request.method == "GET" else [Write()]

    @extend_schema(operation_id="verification_checks_list", responses=CheckSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        application = application_verification_get(user=request.user, application_id=pk)
        views = checks_for(user=request.user, application=application)
        return Response(_checks_data(views))

    @extend_schema(
        operation_id="verification_checks_open",
        request=None,
        responses={201: CheckSerializer(many=True)},
    )
    def post(self, request: Request, pk: int) -> Response:
        application = application_verification_get(user=request.user, application_id=pk)
        checks_open(actor=request.user, application_id=application.pk)
        views = checks_for(user=request.user, application=application)
        return Response(_checks_data(views), status=status.HTTP_201_CREATED)


class VerdictApi(APIView):
    permission_classes = [Write]

    @extend_schema(
        operation_id="verification_verdict",
        request=VerdictInputSerializer,
        responses={201: CheckSerializer(many=True)},
    )
    def post(self, request: Request, pk: int) -> Response:
        check = check_get(user=request.user, check_id=pk)
        data = VerdictInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verdict_record(
            actor=request.user,
            check_id=check.pk,
            passed=data.validated_data["passed"],
            reason=data.validated_data["reason"],
            findings=data.validated_data["findings"],
        )
        views = checks_for(user=request.user, application=check.application)
        return Response(_checks_data(views), status=status.HTTP_201_CREATED)


class VisitListApi(APIView):
    permission_classes = [VisitRead]
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="verification_visits_list",
        parameters=[VisitQuerySerializer],
        responses=VisitSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = VisitQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        visits = visit_list(
            user=request.user,
            status=query.validated_data.get("status", ""),
            overdue=query.validated_data.get("overdue") == "1",
        ).select_related("check_row")
        return paginated_response(self, visits, lambda rows: VisitSerializer(rows, many=True).data)


class VisitDetailApi(APIView):
    permission_classes = [VisitRead]

    @extend_schema(operation_id="verification_visit_get", responses=VisitSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(VisitSerializer(visit_get(user=request.user, visit_id=pk)).data)


class VisitCompleteApi(APIView):
    permission_classes = [VisitWrite]

    @extend_schema(
        operation_id="verification_visit_complete",
        request=VisitCompleteSerializer,
        responses=VisitSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        visit = visit_get(user=request.user, visit_id=pk)
        data = VisitCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = visit_complete(actor=request.user, visit_id=visit.pk, **data.validated_data)
        return Response(VisitSerializer(visit).data)


class VisitEvidenceApi(APIView):
    permission_classes = [VisitWrite]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="verification_visit_evidence",
        request=EvidenceInputSerializer,
        responses={
            201: inline_serializer(
                "EvidenceStored",
                {
                    "id": serializers.IntegerField(),
                    "content_type": serializers.CharField(),
                    "size": serializers.IntegerField(),
                },
            )
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        visit = visit_get(user=request.user, visit_id=pk)
        data = EvidenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = evidence_upload(
            actor=request.user,
            upload=data.validated_data["file"],
            kind=data.validated_data["kind"],
            visit_id=visit.pk,
        )
        return Response(
            {"id": evidence.pk, "content_type": evidence.content_type, "size": evidence.size},
            status=status.HTTP_201_CREATED,
        )


class ComplaintListApi(APIView):
    """GET complaints in scope; POST receives one (channel "api")."""

    pagination_class = ApiPagination

    def get_permissions(self) -> list[Any]:
        if self.request.method == "GET":
            return [ComplaintRead()]
        return [scope_required("verification:write", perm="verification.add_complaint")()]

    @extend_schema(
        operation_id="verification_complaints_list",
        parameters=[ComplaintQuerySerializer],
        responses=ComplaintSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = ComplaintQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        status_ = query.validated_data.get("status", "")
        complaints = complaint_list(user=request.user, status=status_)
        return paginated_response(
            self, complaints, lambda rows: ComplaintSerializer(rows, many=True).data
        )

    @extend_schema(
        operation_id="verification_complaint_receive",
        request=ComplaintInputSerializer,
        responses={201: ComplaintSerializer},
    )
    def post(self, request: Request) -> Response:
        data = ComplaintInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        complaint = complaint_receive(
            actor=request.user,
            kind=v["kind"],
            category=v["category"],
            channel=Complaint.Channel.API,
            description=v["description"],
            kelurahan_code=v["kelurahan_code"],
            household_id=v["household"],
            person_id=v["person"],
            application_id=v["application"],
            complainant_name=v["complainant_name"],
            complainant_contact=v["complainant_contact"],
        )
        return Response(ComplaintSerializer(complaint).data, status=status.HTTP_201_CREATED)


class ComplaintDetailApi(APIView):
    permission_classes = [ComplaintRead]

    @extend_schema(operation_id="verification_complaint_get", responses=ComplaintSerializer)
    def get(self, request: Request, pk: int) -> Response:
        complaint = complaint_get(user=request.user, complaint_id=pk)
        context = {"complainant_visible": complainant_shown(user=request.user, complaint=complaint)}
        return Response(ComplaintSerializer(complaint, context=context).data)


class ComplaintAnswerApi(APIView):
    permission_classes = [ComplaintWrite]

    @extend_schema(
        operation_id="verification_complaint_answer",
        request=AnswerInputSerializer,
        responses=ComplaintSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        complaint = complaint_get(user=request.user, complaint_id=pk)
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = complaint_answer(
            actor=request.user, complaint_id=complaint.pk, **data.validated_data
        )
        return Response(ComplaintSerializer(complaint).data)
