"""Distribution endpoints: batches with totals, a beneficiary's lines, the realisation
report. Scoped as every other read (agency, kelurahan; leadership counts only)."""

from __future__ import annotations

from dataclasses import asdict

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from depok_kds.api.pagination import ApiPagination, paginated_response
from depok_kds.api.permissions import scope_required
from depok_kds.api.query import query_values
from distribution.api.serializers import (
    BatchSerializer,
    LineSerializer,
    RealisationQuerySerializer,
)
from distribution.report import realisation
from distribution.selectors import batch_get, batch_list, line_list
from registry.api.serializers import PersonLookupSerializer
from registry.selectors import person_get_by_nik

ReadPermission = scope_required("distribution:read", perm="distribution.view_line")
ReportPermission = scope_required("distribution:read", perm="distribution.view_disbursement_report")


class BatchListApi(APIView):
    permission_classes = [ReadPermission]
    pagination_class = ApiPagination

    @extend_schema(operation_id="distribution_batches", responses=BatchSerializer(many=True))
    def get(self, request: Request) -> Response:
        return paginated_response(
            self,
            batch_list(user=request.user).order_by("-planned_on", "-pk"),
            lambda rows: BatchSerializer(rows, many=True).data,
        )


class BatchDetailApi(APIView):
    permission_classes = [ReadPermission]

    @extend_schema(operation_id="distribution_batch", responses=BatchSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(BatchSerializer(batch_get(user=request.user, batch_id=pk)).data)


class LineLookupApi(APIView):
    """The lines (payments, hand-overs) of one beneficiary, by NIK."""

    permission_classes = [ReadPermission]
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="distribution_lines_lookup",
        parameters=[OpenApiParameter("nik", str, required=True)],
        responses=LineSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        lookup = PersonLookupSerializer(data=query_values(request))
        lookup.is_valid(raise_exception=True)
        nik = lookup.validated_data["nik"]
        try:
            person = person_get_by_nik(user=request.user, nik=nik)
        except Http404:  # a filter that matches nothing answers with an empty page
            lines = line_list(user=request.user).none()
        else:
            lines = line_list(user=request.user).filter(person=person).order_by("pk")
        return paginated_response(self, lines, lambda rows: LineSerializer(rows, many=True).data)


class RealisationApi(APIView):
    permission_classes = [ReportPermission]

    @extend_schema(operation_id="distribution_realisation", parameters=[RealisationQuerySerializer])
    def get(self, request: Request) -> Response:
        query = RealisationQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or timezone.localdate().year
        group = query.validated_data["group"]
        rows = realisation(user=request.user, year=year, group=group)
        return Response({"year": year, "group": group, "results": [asdict(r) for r in rows]})
