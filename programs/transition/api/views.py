"""DTSEN quarter endpoints: the impact report (counts, within the caller's aggregate scope)
and the proposed exits (rows in the caller's scope, NIK masked)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from depok_kds.api.pagination import ApiPagination, paginated_response
from depok_kds.api.permissions import scope_required
from depok_kds.api.query import query_values
from programs.transition.api.serializers import (
    ExitProposalSerializer,
    ImpactQuerySerializer,
    ImpactReportSerializer,
    ProposalQuerySerializer,
)
from programs.transition.selectors import exit_proposal_list, impact_report

ReportPermission = scope_required("programs:read", perm="transition.view_impactentry")
ProposalPermission = scope_required("programs:read", perm="transition.view_exitproposal")


class ImpactReportApi(APIView):
    """Per programme and kelurahan: households that entered or left the target deciles,
    those newly eligible, and the enrolments affected."""

    permission_classes = [ReportPermission]

    @extend_schema(
        operation_id="dtsen_impact_report",
        parameters=[ImpactQuerySerializer],
        responses=ImpactReportSerializer,
    )
    def get(self, request: Request) -> Response:
        query = ImpactQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        data = query.validated_data
        report = impact_report(
            user=request.user,
            period=data["period"],
            programme_id=data.get("programme"),
            kelurahan=data["kelurahan"],
        )
        return Response(
            ImpactReportSerializer({"period": data["period"], "programmes": report}).data
        )


class ExitProposalListApi(APIView):
    """The exits a quarter proposes, with their review status and date, paged."""

    permission_classes = [ProposalPermission]
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="dtsen_exit_proposals",
        parameters=[ProposalQuerySerializer],
        responses=ExitProposalSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = ProposalQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        data = query.validated_data
        proposals = exit_proposal_list(
            user=request.user,
            period=data["period"],
            programme_id=data.get("programme"),
            status=data["status"],
            kelurahan=data["kelurahan"],
        )
        return paginated_response(
            self, proposals, lambda rows: ExitProposalSerializer(rows, many=True).data
        )
